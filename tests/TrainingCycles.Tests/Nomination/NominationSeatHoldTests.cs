using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Nomination;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Nomination;

/// <summary>
/// Quota seats are held back from the open form while nomination runs; an approved nominee fills their agency's seat
/// (with the birth details the coordinator gave); a deadline moved earlier by a reschedule is noticed by the nomination
/// workflow, and the seats it releases promote the first on the waitlist in order, each mailed once.
/// </summary>
public sealed class NominationSeatHoldTests
{
    [Fact]
    public async Task QuotaSeatsAreHeldFromTheOpenFormUntilAnEarlierDeadlineReleasesThemToTheWaitlistInOrder()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory, settings: new Dictionary<string, string?> { ["TrainingCycles__Nomination__RecheckSeconds"] = "1" });
        var now = DateTimeOffset.UtcNow;
        var definition = CycleApi.CompressedDefinition(now, capacity: 10, closeAfterSeconds: 3600);
        definition["nomination"] = new JsonObject { ["deadline"] = CycleApi.Iso(now.AddMinutes(30)), ["releaseTo"] = "waitlist" };
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await NominationFlowTests.PutQuotasAsync(world, cycleId, NominationFlowTests.QuotaCsv(4, 2))).StatusCode);
        var participants = world.Host.Services.GetRequiredService<ParticipantStore>();

        // Capacity 10, quotas 6: the open form says, and seats, 4; the rest wait.
        async Task<string?> SeatsLeftAsync()
        {
            var page = Forms.Parse(await world.Http.GetStringAsync($"api/cycles/{cycleId}/register"));
            return page.QuerySelectorAll("dt").FirstOrDefault(dt => dt.TextContent == "Kursi tersisa")?.NextElementSibling?.TextContent;
        }

        Assert.Equal("4", await SeatsLeftAsync());
        string Open(int i) => $"umum{i}@example.org";
        for (var i = 0; i < 9; i++)
        {
            var (response, _) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(40 + i), email: Open(i), name: $"Peserta Umum {i}"));
            Assert.True(response.IsSuccessStatusCode, $"registration {i} answered {(int)response.StatusCode}");
        }

        async Task<Dictionary<string, ParticipantEntity>> ByEmailAsync() => (await participants.ListAsync(cycleId)).ToDictionary(p => p.Email);
        var before = await ByEmailAsync();
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(ParticipantStatus.Confirmed, before[Open(i)].Status));
        Assert.All(Enumerable.Range(4, 5), i => Assert.Equal(ParticipantStatus.Waitlisted, before[Open(i)].Status));
        Assert.StartsWith("Penuh", await SeatsLeftAsync(), StringComparison.Ordinal); // the held seats are not on offer

        // Agency A's nominee is approved into A's held seat, with the birth date and place the coordinator gave.
        var store = world.Host.Services.GetRequiredService<NominationStore>();
        var quotaA = QuotaIds.For("Dinas Sosial Kabupaten Kapuas");
        var quotaB = QuotaIds.For("Dinas Sosial Kota Palangka Raya");
        var a = await People.SignInAsync(world, "koord.kapuas@kalteng.example");
        var b = await People.SignInAsync(world, "koord.palangka@kalteng.example");
        await NominationFlowTests.UploadAsync(a, cycleId, quotaA, NominationRulesTests.Pdf());
        await NominationFlowTests.UploadAsync(b, cycleId, quotaB, NominationRulesTests.Pdf());
        var nomineeA = NominationFlowTests.Nominee(1, Assert.Single(await store.LettersAsync(cycleId, quotaA)).RowKey);
        nomineeA["birthPlace"] = "Kuala Kapuas";
        Assert.Equal(HttpStatusCode.SeeOther, (await a.PostAsync($"api/cycles/{cycleId}/nomination/nominees?quota={quotaA}", new FormUrlEncodedContent(nomineeA))).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await b.PostAsync($"api/cycles/{cycleId}/nomination/nominees?quota={quotaB}", new FormUrlEncodedContent(NominationFlowTests.Nominee(2, Assert.Single(await store.LettersAsync(cycleId, quotaB)).RowKey)))).StatusCode);
        var nominees = await store.NomineesAsync(cycleId);
        var approved = await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{nominees.Single(n => n.QuotaId == quotaA).RowKey}/decision", new { decision = "approve" });
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var seated = (await ByEmailAsync())[nomineeA["email"]];
        Assert.Equal(ParticipantStatus.Confirmed, seated.Status);
        Assert.Equal(nomineeA["birthDate"], seated.BirthDate);
        Assert.Equal("Kuala Kapuas", seated.BirthPlace);

        // The organizer moves the nomination deadline to a few seconds from now: the workflow notices (recheck 1 s).
        var reschedule = await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/reschedule", new { nomination = new { deadline = CycleApi.Iso(DateTimeOffset.UtcNow.AddSeconds(3)), releaseTo = "waitlist" } });
        Assert.Equal(HttpStatusCode.Accepted, reschedule.StatusCode);
        var until = DateTime.UtcNow.AddSeconds(30);
        while ((await store.QuotasAsync(cycleId)).Any(q => !q.Released) && DateTime.UtcNow < until)
        {
            await Task.Delay(200);
        }

        Assert.All(await store.QuotasAsync(cycleId), q => Assert.True(q.Released));

        // 10 seats − 5 confirmed − 1 nominee still awaiting a decision = 4 promoted: the first four waiting, in order.
        var promotedMails = await NominationFlowTests.WaitForMailsAsync(world, MailKinds.Promoted, 4);
        var after = await ByEmailAsync();
        Assert.All(Enumerable.Range(4, 4), i => Assert.Equal(ParticipantStatus.Confirmed, after[Open(i)].Status));
        Assert.Equal(ParticipantStatus.Waitlisted, after[Open(8)].Status);
        Assert.Equal(Enumerable.Range(4, 4).Select(Open).Order(), promotedMails.Select(m => m.To).Order());

        // B's nominee still finds the seat B's quota kept; the cycle is then full. Each promotion was mailed once.
        var late = await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{nominees.Single(n => n.QuotaId == quotaB).RowKey}/decision", new { decision = "approve" });
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.Equal(ParticipantStatus.Confirmed, (await ByEmailAsync())[NominationFlowTests.Nominee(2, "").GetValueOrDefault("email")!].Status);
        Assert.Equal(10, (await participants.CountersAsync(cycleId)).Confirmed);
        await Task.Delay(500);
        Assert.Equal(4, world.Host.Outbox.Deliveries.Count(d => d.CustomArgs["k"] == MailKinds.Promoted));
    }
}
