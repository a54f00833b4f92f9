using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using TrainingCycles.Cycles;
using TrainingCycles.Certificates;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Tests.Support;
using Xunit.Abstractions;
using static TrainingCycles.Tests.Certificates.CertificateSetup;

namespace TrainingCycles.Tests.Certificates;

public sealed class CertificateIssuingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RunningNumberingAndIssuingAgainIssuesNothingTwice()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var issuer = world.Host.Services.GetRequiredService<CertificateIssuer>();
        var store = world.Host.Services.GetRequiredService<ParticipantStore>();
        var cycleId = await NewCycleAsync(world);
        await AddEligibleAsync(world, cycleId, ["Siti Aminah", "Budi Santoso", "Rina Wulandari"]);

        Assert.Equal(3, await issuer.AssignNumbersAsync(cycleId));
        var numbered = await store.ListAsync(cycleId);
        Assert.Equal(3, await issuer.IssuePendingAsync(cycleId));
        var issued = await CertificatesAsync(world, cycleId);

        // The workflow step run again, as after a crash or a replayed activity: nothing new, nothing changed.
        Assert.Equal(0, await issuer.AssignNumbersAsync(cycleId));
        Assert.Equal(0, await issuer.AssignNumbersAsync(cycleId));
        Assert.Equal(0, await issuer.IssuePendingAsync(cycleId));
        Assert.Equal(0, await issuer.IssuePendingAsync(cycleId));

        var after = await store.ListAsync(cycleId);
        Assert.Equal(
            numbered.Select(p => (p.RowKey, p.CertificateId, p.CertificateNumber, p.VerificationCode)).OrderBy(x => x.RowKey),
            after.Select(p => (p.RowKey, p.CertificateId, p.CertificateNumber, p.VerificationCode)).OrderBy(x => x.RowKey));
        Assert.Equal(["001/BPSDM-KT/", "002/BPSDM-KT/", "003/BPSDM-KT/"], after.OrderBy(p => p.RegistrationNumber).Select(p => p.CertificateNumber![..13]));
        var again = await CertificatesAsync(world, cycleId);
        Assert.Equal(issued.Select(c => (c.RowKey, c.Sha256, c.IssuedAt)), again.Select(c => (c.RowKey, c.Sha256, c.IssuedAt)));
        Assert.Equal(after.Select(p => p.RowKey).Order(), again.Select(c => c.ParticipantId).Order());
        Assert.Equal(3, await BlobCountAsync(world));

        // A crash between storing a PDF and writing its row: the retry keeps the stored PDF and records its hash.
        var lost = again[0];
        var table = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Certificates);
        await table.DeleteEntityAsync(lost.PartitionKey, lost.RowKey);
        Assert.Equal(1, await issuer.IssuePendingAsync(cycleId));
        var restored = (await ReloadAsync(world, lost))!;
        Assert.Equal((lost.Number, lost.VerificationCode, 1, lost.Sha256), (restored.Number, restored.VerificationCode, restored.Version, restored.Sha256));
        Assert.Equal(restored.Sha256, Convert.ToHexString(SHA256.HashData(await StoredPdfAsync(world, restored))).ToLowerInvariant());
        Assert.Equal(3, await BlobCountAsync(world));
        Assert.Equal(3, (await CertificatesAsync(world, cycleId)).Count);
    }

    [Fact]
    public async Task TwoIssuingRunsAtOnceRecordTheHashOfTheStoredPdf()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var issuer = world.Host.Services.GetRequiredService<CertificateIssuer>();
        var cycleId = await NewCycleAsync(world);
        await AddEligibleAsync(world, cycleId, ["Siti Aminah", "Budi Santoso", "Rina Wulandari", "Agus Salim"]);
        await issuer.AssignNumbersAsync(cycleId);

        await Task.WhenAll(issuer.IssuePendingAsync(cycleId), issuer.IssuePendingAsync(cycleId));

        var certificates = await CertificatesAsync(world, cycleId);
        Assert.Equal(4, certificates.Count);
        Assert.Equal(4, await BlobCountAsync(world));
        foreach (var c in certificates)
        {
            Assert.Equal(c.Sha256, Convert.ToHexString(SHA256.HashData(await StoredPdfAsync(world, c))).ToLowerInvariant());
        }
    }

    [Fact]
    public async Task QrCodeInTheIssuedPdfOpensItsVerificationPage()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);

        var url = DecodeQr(await StoredPdfAsync(world, certificate));

        var publicBase = world.Host.Services.GetRequiredService<IOptions<TrainingCyclesOptions>>().Value.PublicBaseUrl!.TrimEnd('/');
        Assert.Equal($"{publicBase}/api/verify/{certificate.VerificationCode}", url);
        using var response = await world.Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("valid", page.QuerySelector("#status")!.GetAttribute("data-status"));
        Assert.Equal(certificate.Number, page.QuerySelector("#number")!.TextContent);
    }

    [Fact]
    public async Task PrintsIssuingCostPerCertificate()
    {
        const int count = 40;
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var issuer = world.Host.Services.GetRequiredService<CertificateIssuer>();
        var cycleId = await NewCycleAsync(world);
        await AddEligibleAsync(world, cycleId, [.. Enumerable.Range(1, count).Select(i => $"Peserta Pelatihan Nomor {i}, S.Sos.")]);
        await issuer.AssignNumbersAsync(cycleId);

        var clock = Stopwatch.StartNew();
        Assert.Equal(count, await issuer.IssuePendingAsync(cycleId));
        var elapsed = clock.Elapsed;

        var certificates = await CertificatesAsync(world, cycleId);
        output.WriteLine($"issued {count} certificates (render + create-only upload to Azurite + lookup and certificate rows) in {elapsed.TotalMilliseconds:F0} ms: " +
            $"{elapsed.TotalMilliseconds / count:F1} ms per certificate wall clock at parallelism {Math.Max(2, Environment.ProcessorCount * 2)}, " +
            $"{certificates.Average(c => c.Bytes):F0} bytes per PDF on average");
        Assert.Equal(count, certificates.Count);
    }
}
