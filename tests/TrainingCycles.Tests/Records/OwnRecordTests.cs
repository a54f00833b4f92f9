using System.Net;
using System.Text.RegularExpressions;
using TrainingCycles.DevHost;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Certificates;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Records;

public sealed partial class OwnRecordTests
{
    [Fact]
    public async Task APersonGetsTheirRecordByAMailedLinkAndDownloadsTheirCertificateAgain()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await LedgerTests.NewCycleAsync(world, DateTimeOffset.UtcNow, 16, "Pelatihan Pendamping Rehabilitasi Sosial");
        var person = (await CertificateSetup.AddEligibleAsync(world, cycleId, ["Dr. Siti Aminah, S.Sos., M.Si."]))[0];
        await CertificateSetup.IssueAsync(world, cycleId);

        using var form = await world.Http.GetAsync("api/records/me");
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);

        // A NIP that is not one, then an address that does not match: a clear error, then the same answer as a match, and no mail.
        using var badNip = await PostAsync(world, "1234", person.Email);
        Assert.Equal(HttpStatusCode.BadRequest, badNip.StatusCode);
        using var wrong = await PostAsync(world, person.Nip!, "orang.lain@example.org");
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        using var right = await PostAsync(world, person.Nip!, person.Email.ToUpperInvariant());
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal(Sent(await wrong.Content.ReadAsStringAsync()), Sent(await right.Content.ReadAsStringAsync()));

        var mail = await WaitForMailAsync(world, person.Email);
        Assert.DoesNotContain(world.Host.Outbox.Deliveries, d => d.To == "orang.lain@example.org");
        var link = new Uri(LinkPattern().Match(mail.Text!).Value);
        using var page = await world.Http.GetAsync(link.PathAndQuery.TrimStart('/'));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var doc = CertificateSetup.Parse(html);
        Assert.Contains("Pelatihan Pendamping Rehabilitasi Sosial", doc.QuerySelector("#records-entries")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("16", doc.QuerySelector("#records-years tbody tr")!.TextContent, StringComparison.Ordinal);
        var download = doc.QuerySelector("#records-entries a")!.GetAttribute("href")!;
        using var noRedirects = CertificateSetup.NoRedirects(world);
        using var pdf = await noRedirects.GetAsync(download.TrimStart('/'));
        Assert.Equal(HttpStatusCode.Redirect, pdf.StatusCode);

        using var forged = await world.Http.GetAsync("api/records/history?token=abc.def");
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
    }

    private static Task<HttpResponseMessage> PostAsync(TestWorld world, string nip, string email) =>
        world.Http.PostAsync("api/records/me", new FormUrlEncodedContent([new("nip", nip), new("email", email), new("lang", "id")]));

    private static string? Sent(string html) => CertificateSetup.Parse(html).QuerySelector("[role=status]")?.TextContent;

    private static async Task<TrainingCycles.DevHost.MailSink.Delivery> WaitForMailAsync(TestWorld world, string to)
    {
        for (var i = 0; i < 100; i++)
        {
            if (world.Host.Outbox.Deliveries.LastOrDefault(d => d.CustomArgs.GetValueOrDefault("k") == MailKinds.RecordsLink && d.To == to) is { } delivery)
            {
                return delivery;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("no records-link mail to " + to);
    }

    [GeneratedRegex(@"https?://\S+/api/records/history\?\S+")]
    private static partial Regex LinkPattern();
}
