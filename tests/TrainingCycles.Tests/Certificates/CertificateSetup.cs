using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Web;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Azure.Data.Tables;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Certificates;

/// <summary>
/// Certificates without running a whole cycle: a cycle created through the API whose registration stays open for an
/// hour (so the workflow does nothing meanwhile), confirmed eligible participants written straight to the table, and
/// the issuer's two steps called from the world's own services.
/// </summary>
internal static class CertificateSetup
{
    public const string DefaultName = "Dr. Siti Aminah, S.Sos., M.Si.";

    private static readonly HtmlParser Parser = new();

    public static async Task<string> NewCycleAsync(TestWorld world)
    {
        var created = await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600));
        return created.GetProperty("cycleId").GetString()!;
    }

    /// <summary>Adds confirmed, eligible participants (emails peserta{i}@example.org) and returns them in order.</summary>
    public static async Task<IReadOnlyList<ParticipantEntity>> AddEligibleAsync(TestWorld world, string cycleId, IReadOnlyList<string> names, string language = "id")
    {
        var store = world.Host.Services.GetRequiredService<ParticipantStore>();
        var rows = names.Select((name, i) => new InviteeRow(i + 2, $"peserta{i + 1}@example.org", name, Nip(i), null, "Dinas Sosial Kabupaten Kotawaringin Timur", language)).ToList();
        await store.ImportInviteesAsync(cycleId, rows, AuditActor.System);
        var result = new List<ParticipantEntity>();
        foreach (var p in (await store.ListAsync(cycleId)).OrderBy(p => p.Email, StringComparer.Ordinal))
        {
            p.Status = ParticipantStatus.Confirmed;
            p.RegistrationNumber = "R" + (result.Count + 1).ToString("000", CultureInfo.InvariantCulture);
            p.RegisteredAt = DateTimeOffset.UtcNow;
            p.Eligible = true;
            p.EligibilityExplanation = "test";
            await ParticipantRows.ReplaceAsync(world.Host.Services, p);
            result.Add((await store.GetAsync(cycleId, p.RowKey))!);
        }

        return result;
    }

    /// <summary>Numbers and issues everything due; returns the certificate rows of the cycle.</summary>
    public static async Task<IReadOnlyList<CertificateEntity>> IssueAsync(TestWorld world, string cycleId)
    {
        var issuer = world.Host.Services.GetRequiredService<CertificateIssuer>();
        await issuer.AssignNumbersAsync(cycleId);
        await issuer.IssuePendingAsync(cycleId);
        return await CertificatesAsync(world, cycleId);
    }

    /// <summary>One cycle, one participant, one issued certificate.</summary>
    public static async Task<CertificateEntity> OneAsync(TestWorld world, string name = DefaultName, string language = "id")
    {
        var cycleId = await NewCycleAsync(world);
        await AddEligibleAsync(world, cycleId, [name], language);
        return Assert.Single(await IssueAsync(world, cycleId));
    }

    public static async Task<IReadOnlyList<CertificateEntity>> CertificatesAsync(TestWorld world, string cycleId)
    {
        var table = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Certificates);
        var result = new List<CertificateEntity>();
        await foreach (var c in table.QueryAsync<CertificateEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {cycleId}")))
        {
            result.Add(c);
        }

        return result;
    }

    public static Task<CertificateEntity?> ReloadAsync(TestWorld world, CertificateEntity c) =>
        world.Host.Services.GetRequiredService<CertificateIssuer>().GetAsync(c.PartitionKey, c.RowKey);

    public static async Task<byte[]> StoredPdfAsync(TestWorld world, CertificateEntity c)
    {
        var issuer = world.Host.Services.GetRequiredService<CertificateIssuer>();
        return (await issuer.Container.GetBlobClient(c.BlobName).DownloadContentAsync()).Value.Content.ToArray();
    }

    public static async Task<int> BlobCountAsync(TestWorld world)
    {
        var count = 0;
        await foreach (var _ in world.Host.Services.GetRequiredService<CertificateIssuer>().Container.GetBlobsAsync())
        {
            count++;
        }

        return count;
    }

    public static string Token(TestWorld world, string purpose, string cycleId, string subjectId, TimeSpan lifetime) =>
        world.Host.Services.GetRequiredService<Tokens>().Create(purpose, cycleId, subjectId, DateTimeOffset.UtcNow.Add(lifetime));

    public static string DownloadUrl(string certificateId, string token) => $"api/certificates/{certificateId}/download?token={Uri.EscapeDataString(token)}";

    public static string DownloadUrl(TestWorld world, CertificateEntity c) =>
        DownloadUrl(c.RowKey, Token(world, TokenPurpose.Download, c.PartitionKey, c.RowKey, TimeSpan.FromDays(1)));

    /// <summary>A client on the world's address that shows redirects instead of following them.</summary>
    public static HttpClient NoRedirects(TestWorld world) =>
        new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = world.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(100) };

    public static IHtmlDocument Parse(string html) => Parser.ParseDocument(html);

    public static DateTimeOffset SasExpiry(Uri sas) =>
        DateTimeOffset.Parse(HttpUtility.ParseQueryString(sas.Query)["se"]!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>A valid-looking NIP for index i: birth date, appointment month, gender, sequence.</summary>
    public static string Nip(int i) => $"1985{1 + (i % 12):00}{1 + (i % 28):00}2010{1 + (i % 12):00}{1 + (i % 2)}{1 + (i % 999):000}";

    /// <summary>Renders the PDF's page to PNG with pdftoppm and decodes its QR code with zbarimg.</summary>
    public static string DecodeQr(byte[] pdf)
    {
        var stem = Path.Combine(Path.GetTempPath(), $"certificate-qr-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(stem + ".pdf", pdf);
            Run(RequireTool("pdftoppm", "poppler-utils"), "-r", "150", "-png", "-singlefile", stem + ".pdf", stem);
            return Run(RequireTool("zbarimg", "zbar-tools"), "--quiet", "--raw", stem + ".png").TrimEnd('\n', '\r');
        }
        finally
        {
            File.Delete(stem + ".pdf");
            File.Delete(stem + ".png");
        }
    }

    private static string RequireTool(string name, string debianPackage) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"'{name}' is not installed; the QR check needs it. Install it with: apt-get install -y {debianPackage}");

    private static string Run(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new Win32Exception($"could not start {tool}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), $"{Path.GetFileName(tool)} did not finish");
        Assert.True(process.ExitCode == 0, $"{Path.GetFileName(tool)} exited with {process.ExitCode}: {stderr.Result}");
        return stdout;
    }
}

/// <summary>A clock offset from the real one: SAS links minted "in the past".</summary>
internal sealed class ShiftedTime(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().Add(offset);
}
