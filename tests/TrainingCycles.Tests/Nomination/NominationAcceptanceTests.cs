using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TrainingCycles.DevHost;
using TrainingCycles.Nomination;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Nomination;

/// <summary>A cycle whose nominees must accept first: each is mailed their own link; the organizer's approval waits for
/// the acceptance; declining frees the agency's seat and tells the coordinator — each mail once; a forged link changes nothing.</summary>
public sealed partial class NominationAcceptanceTests
{
    [GeneratedRegex(@"/(api/cycles/[^\s""<>]+/nomination/answer\?t=[^\s""<>&]+)")]
    private static partial Regex AnswerLink();

    [Fact]
    public async Task ANomineeAcceptsBeforeApprovalAndDecliningFreesTheSeatAndTellsTheCoordinator()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var now = DateTimeOffset.UtcNow;
        var definition = CycleApi.CompressedDefinition(now, capacity: 6, closeAfterSeconds: 3600);
        definition["nomination"] = new JsonObject { ["deadline"] = CycleApi.Iso(now.AddMinutes(30)), ["releaseTo"] = "waitlist", ["nomineeMustAccept"] = true };
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await NominationFlowTests.PutQuotasAsync(world, cycleId, NominationFlowTests.QuotaCsv(2, 1))).StatusCode);
        var quotaA = QuotaIds.For("Dinas Sosial Kabupaten Kapuas");
        var store = world.Host.Services.GetRequiredService<NominationStore>();
        var a = await People.SignInAsync(world, "koord.kapuas@kalteng.example");
        await NominationFlowTests.UploadAsync(a, cycleId, quotaA, NominationRulesTests.Pdf());
        var letter = Assert.Single(await store.LettersAsync(cycleId, quotaA)).RowKey;
        foreach (var i in new[] { 1, 2 })
        {
            Assert.Equal(HttpStatusCode.SeeOther, (await a.PostAsync($"api/cycles/{cycleId}/nomination/nominees?quota={quotaA}", new FormUrlEncodedContent(NominationFlowTests.Nominee(i, letter)))).StatusCode);
        }

        var asks = await NominationFlowTests.WaitForMailsAsync(world, NominationMailKinds.Ask, 2);
        string LinkOf(int i) => AnswerLink().Match(asks.Single(m => m.To == $"pegawai{i}@kalteng.example").Text!).Groups[1].Value;
        var nominees = (await store.NomineesAsync(cycleId)).ToDictionary(n => n.Email);
        var first = nominees["pegawai1@kalteng.example"];
        var second = nominees["pegawai2@kalteng.example"];

        // Approval waits for the nominee; a forged link is refused and changes nothing.
        var early = await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{first.RowKey}/decision", new { decision = "approve" });
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Contains("awaiting_acceptance", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var forged = LinkOf(1)[..^3] + (LinkOf(1).EndsWith("AAA", StringComparison.Ordinal) ? "BBB" : "AAA");
        Assert.Equal(HttpStatusCode.BadRequest, (await world.Http.PostAsync(forged, new FormUrlEncodedContent(new Dictionary<string, string> { ["answer"] = "decline" }))).StatusCode);
        var (shown, page) = await Forms.GetAsync(world.Http, LinkOf(1));
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.NotNull(page.QuerySelector("#answer button[value=accept]"));

        var (accepted, acceptedPage) = await Forms.PostAsync(world.Http, LinkOf(1), new Dictionary<string, string> { ["answer"] = "accept" });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.NotNull(acceptedPage.QuerySelector("#notice"));
        var approved = await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{first.RowKey}/decision", new { decision = "approve" });
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Single(await NominationFlowTests.WaitForMailsAsync(world, "confirmation", 1), m => m.To == first.Email);

        // The second declines: the seat is back in A's quota, the coordinator is told, the link answers no more.
        var (declined, _) = await Forms.PostAsync(world.Http, LinkOf(2), new Dictionary<string, string> { ["answer"] = "decline" });
        Assert.Equal(HttpStatusCode.OK, declined.StatusCode);
        Assert.Equal(NomineeStatus.Declined, (await store.NomineeAsync(cycleId, second.RowKey))!.Status);
        Assert.Equal(1, (await store.QuotaAsync(cycleId, quotaA))!.Held);
        var told = await NominationFlowTests.WaitForMailsAsync(world, NominationMailKinds.DeclinedCoordinator, 1);
        Assert.Equal("koord.kapuas@kalteng.example", Assert.Single(told).To);
        Assert.Contains(second.FullName, told[0].Text, StringComparison.Ordinal);
        var (again, _) = await Forms.PostAsync(world.Http, LinkOf(2), new Dictionary<string, string> { ["answer"] = "accept" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        await Task.Delay(500);
        Assert.Equal(2, world.Host.Outbox.Deliveries.Count(d => d.CustomArgs["k"] == NominationMailKinds.Ask));
        Assert.Single(world.Host.Outbox.Deliveries, d => d.CustomArgs["k"] == NominationMailKinds.DeclinedCoordinator);
    }
}
