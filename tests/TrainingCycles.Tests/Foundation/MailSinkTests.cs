using System.Net;
using System.Text;
using SendGrid;
using SendGrid.Helpers.Mail;
using TrainingCycles.DevHost;
using TrainingCycles.DevHost.MailSink;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Foundation;

public sealed class MailSinkTests
{
    [Fact]
    public async Task AcceptsAMessageSentByTheRealSendGridClient()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var client = new SendGridClient(new SendGridClientOptions { ApiKey = "SG.test", Host = world.Host.BaseUrl });
        var message = MailHelper.CreateSingleEmail(
            new EmailAddress("pelatihan@bpsdm.kalteng.example", "BPSDM"),
            new EmailAddress("siti.aminah@example.org", "Dr. Siti Aminah, S.Sos., M.Si."),
            "Undangan Pelatihan Dasar Pekerjaan Sosial", "Halo -name-", "<p>Halo -name-</p>");
        message.Personalizations[0].Substitutions = new Dictionary<string, string> { ["-name-"] = "Siti" };
        message.AddAttachment("jadwal.ics", Convert.ToBase64String(Encoding.UTF8.GetBytes("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")), "text/calendar");

        var response = await client.SendEmailAsync(message);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var delivery = Assert.Single(world.Host.Outbox.Deliveries);
        Assert.Equal("siti.aminah@example.org", delivery.To);
        Assert.Equal("<p>Halo Siti</p>", delivery.Html);
        Assert.Equal(["jadwal.ics"], delivery.AttachmentNames);
    }

    [Fact]
    public async Task RejectsWhatSendGridWouldReject()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var client = new SendGridClient(new SendGridClientOptions { ApiKey = "SG.test", Host = world.Host.BaseUrl });
        var from = new EmailAddress("pelatihan@bpsdm.kalteng.example");

        var noContent = new SendGridMessage { From = from, Subject = "x" };
        noContent.AddTo("a@example.org");
        var badAddress = MailHelper.CreateSingleEmail(from, new EmailAddress("not an address"), "x", "text", null);
        var tooMany = new SendGridMessage { From = from, Subject = "x", PlainTextContent = "x" };
        tooMany.AddTos([.. Enumerable.Range(0, 1001).Select(i => new EmailAddress($"p{i}@example.org"))]);

        foreach (var rejected in new[] { noContent, badAddress, tooMany })
        {
            var response = await client.SendEmailAsync(rejected);
            var body = await response.Body.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("\"errors\"", body, StringComparison.Ordinal);
        }

        Assert.Empty(world.Host.Outbox.Messages);
        Assert.Equal(3, world.Host.Outbox.RejectedRequests);
    }

    [Fact]
    public async Task RejectsARequestWithoutAnApiKey()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);

        var response = await world.Http.PostAsync(world.Host.BaseUrl + "/v3/mail/send", new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task InjectedFailuresAnswer429Or500AndStoreNothing()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        world.Host.Outbox.SetFaults(new MailFaults(FailNext: 2, StatusCodes: [429]));
        var client = new SendGridClient(new SendGridClientOptions { ApiKey = "SG.test", Host = world.Host.BaseUrl });
        var message = MailHelper.CreateSingleEmail(new EmailAddress("pelatihan@bpsdm.kalteng.example"), new EmailAddress("a@example.org"), "s", "t", null);

        var first = await client.SendEmailAsync(message);
        var second = await client.SendEmailAsync(message);
        var third = await client.SendEmailAsync(message);

        Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, third.StatusCode);
        Assert.Single(world.Host.Outbox.Messages);
    }
}
