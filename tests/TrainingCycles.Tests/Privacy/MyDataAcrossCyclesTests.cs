using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.DurableTask.Client;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Privacy;
using TrainingCycles.Tests.Certificates;
using TrainingCycles.Tests.Support;
using UglyToad.PdfPig;

namespace TrainingCycles.Tests.Privacy;

/// <summary>#23b: the own page's PDF and correction link, the link by email, and erasure in every cycle.</summary>
public sealed partial class MyDataAcrossCyclesTests
{
    private const string Email = "rina.sembiring@dinsos-seruyan.example";
    private const string Nip = "198905172014022003";
    private const string Csv = "email,nama,nip,telepon,instansi\n" + Email + ",Rina Sembiring,198905172014022003,081255501234,Dinas Sosial Kabupaten Seruyan\n";

    private static async Task<(string CycleId, ParticipantEntity Person)> CycleWithRinaAsync(TestWorld world, string title)
    {
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 600);
        definition["title"] = title + " Pelatihan Dasar Pekerjaan Sosial";
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, Csv);
        return (cycleId, Assert.Single(await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId)));
    }

    private static string PageOf(TestWorld world, string cycleId, ParticipantEntity p) =>
        $"api/cycles/{cycleId}/my-data?manage={Uri.EscapeDataString(world.Host.Services.GetRequiredService<Tokens>().Create(TokenPurpose.Manage, cycleId, p.RowKey, DateTimeOffset.UtcNow.AddDays(1), p.TokenVersion))}";

    [Fact]
    public async Task ThePersonReadsTheirDataAsAPdfFindsTheCorrectionLinkAndGetsLinksToEveryCycleByEmailWhileAnUnknownAddressGetsTheSameAnswer()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var (first, rina) = await CycleWithRinaAsync(world, "Angkatan I");
        var (second, _) = await CycleWithRinaAsync(world, "Angkatan II");
        var page = PageOf(world, first, rina);

        var doc = CertificateSetup.Parse(await (await world.Http.GetAsync(page)).Content.ReadAsStringAsync());
        var correction = doc.QuerySelector("#request-correction")!.GetAttribute("href")!;
        Assert.StartsWith($"/api/cycles/{first}/biodata?manage=", correction, StringComparison.Ordinal);
        Assert.Equal(new Uri("http://x" + page.Insert(0, "/")).Query.Split('&')[0], new Uri("http://x" + correction).Query);

        // The PDF: A4, the person's fields, every font embedded; the document title does not name the person.
        using var pdfAnswer = await world.Http.GetAsync(doc.QuerySelector("#download-pdf")!.GetAttribute("href")!.TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, pdfAnswer.StatusCode);
        Assert.Equal("application/pdf", pdfAnswer.Content.Headers.ContentType?.MediaType);
        var bytes = await pdfAnswer.Content.ReadAsByteArrayAsync();
        using (var pdf = PdfDocument.Open(bytes))
        {
            var firstPage = pdf.GetPage(1);
            Assert.Equal((595, 842), ((int)Math.Round(firstPage.Width), (int)Math.Round(firstPage.Height)));
            var text = string.Join(" ", pdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
            foreach (var expected in new[] { "Data pribadi saya", "Rina", "Sembiring", Nip, Email, "81255501234", "Seruyan", "Angkatan", "Halaman" })
            {
                Assert.Contains(expected, text, StringComparison.Ordinal);
            }

            Assert.DoesNotContain("Rina", pdf.Information.Title ?? "", StringComparison.Ordinal);
        }

        var raw = Encoding.Latin1.GetString(bytes);
        var descriptors = FontDescriptor().Count(raw);
        Assert.True(descriptors > 0, "no font descriptors");
        Assert.Equal(descriptors, FontFile().Count(raw));
        using (var english = PdfDocument.Open(await world.Http.GetByteArrayAsync(page + "&format=pdf&lang=en")))
        {
            Assert.Contains("My personal data", string.Join(" ", english.GetPage(1).GetWords().Select(w => w.Text)), StringComparison.Ordinal);
        }

        // By address: the same answer whether or not it matches; a bad NIP is a clear error; a match mails one link per cycle.
        Assert.Equal(HttpStatusCode.OK, (await world.Http.GetAsync("api/my-data")).StatusCode);
        using var badNip = await AskAsync(world, Email, "1234");
        Assert.Equal(HttpStatusCode.BadRequest, badNip.StatusCode);
        Assert.NotNull(CertificateSetup.Parse(await badNip.Content.ReadAsStringAsync()).QuerySelector("#my-data-error"));
        using var unknown = await AskAsync(world, "orang.lain@example.org", null);
        using var known = await AskAsync(world, Email.ToUpperInvariant(), Nip);
        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        Assert.Equal(Normalised(await unknown.Content.ReadAsStringAsync()), Normalised(await known.Content.ReadAsStringAsync()));
        Assert.NotNull(CertificateSetup.Parse(await known.Content.ReadAsStringAsync()).QuerySelector("#my-data-sent"));

        var mails = await WaitForMailsAsync(world, Email, 2);
        Assert.DoesNotContain(world.Host.Outbox.Deliveries, d => d.To == "orang.lain@example.org");
        var opened = new List<string>();
        foreach (var mail in mails)
        {
            var link = new Uri(LinkPattern().Match(mail.Text!).Value);
            using var answer = await world.Http.GetAsync(link.PathAndQuery.TrimStart('/'));
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Contains(Nip, await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            opened.Add(link.AbsolutePath.Split('/')[3]);
            Assert.True(world.Host.Services.GetRequiredService<Tokens>().Validate(System.Web.HttpUtility.ParseQueryString(link.Query)["manage"], TokenPurpose.Manage, out var claims) == TokenProblem.None);
            Assert.True(claims!.ExpiresAt <= DateTimeOffset.UtcNow.Add(MyDataLinks.LinkLifetime).AddMinutes(1), "the mailed link is short-lived");
        }

        Assert.Equal(new[] { first, second }.Order(), opened.Order());
    }

    [Fact]
    public async Task ErasingEverywhereErasesThePersonInBothCyclesThroughThePerParticipationWorkflowWithOneReceipt()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var (first, rina) = await CycleWithRinaAsync(world, "Angkatan I");
        var (second, rinaAgain) = await CycleWithRinaAsync(world, "Angkatan II");
        var store = world.Host.Services.GetRequiredService<ParticipantStore>();

        // Found through each cycle's email and NIP index rows.
        var found = await world.Host.Services.GetRequiredService<PersonErasure>().FindAsync(null, Nip);
        Assert.Equal(new[] { first, second }.Order(), found.Select(p => p.PartitionKey).Order());

        var page = PageOf(world, first, rina);
        var unconfirmed = await world.Http.PostAsync(page, new FormUrlEncodedContent(new Dictionary<string, string> { ["action"] = "erase-everywhere" }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unconfirmed.StatusCode);
        Assert.False(ParticipantStore.IsAnonymised((await store.GetAsync(second, rinaAgain.RowKey))!));

        // Asked twice at once (a double click): one request, one workflow, one receipt (below).
        var twice = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => world.Http.PostAsync(page, new FormUrlEncodedContent(new Dictionary<string, string> { ["action"] = "erase-everywhere", ["confirm"] = "yes" }))));
        Assert.All(twice, started => Assert.Equal(HttpStatusCode.Accepted, started.StatusCode));
        var instance = await WaitForPersonErasureAsync(world);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        var requests = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.ErasureRequests);
        var requestRows = 0;
        await foreach (var _ in requests.QueryAsync<Azure.Data.Tables.TableEntity>(Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {PersonErasure.Partition}")))
        {
            requestRows++;
        }

        Assert.Equal(1, requestRows);

        Assert.True(ParticipantStore.IsAnonymised((await store.GetAsync(first, rina.RowKey))!));
        Assert.True(ParticipantStore.IsAnonymised((await store.GetAsync(second, rinaAgain.RowKey))!));
        Assert.Empty(await world.Host.Services.GetRequiredService<PersonErasure>().FindAsync(Email, Nip));
        var erasures = world.Host.Services.GetRequiredService<ErasureStore>();
        foreach (var (cycleId, id) in new[] { (first, rina.RowKey), (second, rinaAgain.RowKey) })
        {
            var row = (await erasures.GetAsync(cycleId, id))!;
            Assert.Equal(ErasureStatus.Done, row.Status);
            Assert.Null(row.ReceiptSentAt); // the per-participation receipt is off: one receipt for all
        }

        for (var i = 0; i < 50 && !world.Host.Outbox.Deliveries.Any(d => d.To == Email && d.CustomArgs.GetValueOrDefault("k") == ErasureWorkflow.ReceiptKind); i++)
        {
            await Task.Delay(100);
        }

        var receipt = Assert.Single(world.Host.Outbox.Deliveries, d => d.To == Email && d.CustomArgs.GetValueOrDefault("k") == ErasureWorkflow.ReceiptKind);
        Assert.Contains("Angkatan I ", receipt.Text!, StringComparison.Ordinal);
        Assert.Contains("Angkatan II ", receipt.Text!, StringComparison.Ordinal);
        var request = instance.ReadOutputAs<PersonErasureSummary>()!;
        var requestRow = (await world.Host.Services.GetRequiredService<PersonErasure>().GetAsync(request.RequestId))!;
        Assert.Equal(ErasureStatus.Done, requestRow.GetString("Status"));
        Assert.Equal("", requestRow.GetString("Email"));
        Assert.Equal(2, request.Erasures.Count);

        // The organizer's route needs a grant for all cycles; the person is gone, so there is nothing left to erase.
        var organizer = await world.Organizer.PostAsync($"api/cycles/{first}/participants/{rina.RowKey}/erase-everywhere", new StringContent("{\"actor\":\"Panitia BPSDM\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, organizer.StatusCode);

        // A document blob is deleted with its versions where the store keeps them (Azurite keeps none: the guard).
        var container = world.Host.Services.GetRequiredService<StorageAccount>().Blobs.GetBlobContainerClient("absence-evidence");
        await container.CreateIfNotExistsAsync();
        var blob = container.GetBlobClient($"{first}/erasure-probe.pdf");
        await blob.UploadAsync(BinaryData.FromString("one"), overwrite: true);
        await blob.UploadAsync(BinaryData.FromString("two"), overwrite: true);
        Assert.True(await BlobErasure.DeleteWithVersionsAsync(blob, CancellationToken.None));
        Assert.False((await blob.ExistsAsync()).Value);
        Assert.Empty(await BlobErasure.VersionsAsync(blob, CancellationToken.None));
        Assert.False(await BlobErasure.DeleteWithVersionsAsync(blob, CancellationToken.None));
    }

    private static async Task<OrchestrationMetadata> WaitForPersonErasureAsync(TestWorld world)
    {
        var table = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.ErasureRequests);
        // Two participations × every holder is some 45 activities: 12 s alone, over 30 s beside the suite's multi-instance
        // tests on two cores (it timed out there once at 30 s).
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(150))
        {
            await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>(Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {PersonErasure.Partition}")))
            {
                if (await world.Host.DurableClient.GetInstanceAsync(PersonErasure.InstanceId(row.RowKey), getInputsAndOutputs: true) is { RuntimeStatus: OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed } m)
                {
                    return m;
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the erasure everywhere did not finish");
    }

    private static Task<HttpResponseMessage> AskAsync(TestWorld world, string email, string? nip) =>
        world.Http.PostAsync("api/my-data", new FormUrlEncodedContent([new("email", email), new("nip", nip ?? ""), new("lang", "id")]));

    private static string Normalised(string html) => NonceAttribute().Replace(html, "");

    private static async Task<IReadOnlyList<TrainingCycles.DevHost.MailSink.Delivery>> WaitForMailsAsync(TestWorld world, string to, int count)
    {
        for (var i = 0; i < 100; i++)
        {
            var found = world.Host.Outbox.Deliveries.Where(d => d.CustomArgs.GetValueOrDefault("k") == MyDataLinks.MailKind && d.To == to).ToList();
            if (found.Count >= count)
            {
                return found;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("no my-data-link mails to " + to);
    }

    [GeneratedRegex(@"https?://\S+/api/cycles/\S+/my-data\?\S+")]
    private static partial Regex LinkPattern();

    [GeneratedRegex("""nonce="[^"]*"|'nonce-[^']*'""")]
    private static partial Regex NonceAttribute();

    [GeneratedRegex(@"/Type\s*/FontDescriptor")]
    private static partial Regex FontDescriptor();

    [GeneratedRegex(@"/FontFile2?\s")]
    private static partial Regex FontFile();
}
