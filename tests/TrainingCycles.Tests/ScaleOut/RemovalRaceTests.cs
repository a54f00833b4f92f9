using System.Net;
using System.Net.Http.Json;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.ScaleOut;

/// <summary>
/// #24: an organizer's removal goes through the cycle's group commit like a withdrawal: removals racing a rush of
/// registrations all succeed, each freed seat goes to the first on the waitlist, counters equal rows, and every
/// promoted person gets exactly one "a seat is yours" mail through the outbox.
/// </summary>
public sealed class RemovalRaceTests
{
    [Fact]
    public async Task RemovalsRacingRegistrationsAllSucceedAndFreedSeatsGoToTheWaitlistInOrder()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory, new Dictionary<string, string?> { ["TrainingCycles__FormPostsPerMinute"] = "100000" });
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, capacity: 6, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        var store = world.Host.Services.GetRequiredService<ParticipantStore>();
        for (var i = 1; i <= 10; i++)
        {
            await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(i), email: $"p{i}@example.org"));
        }

        var before = await store.ListAsync(cycleId);
        var toRemove = before.Where(p => p.Status == ParticipantStatus.Confirmed).OrderBy(p => p.RegistrationNumber, StringComparer.Ordinal).Take(3).ToList();
        var waitlist = before.Where(p => p.Status == ParticipantStatus.Waitlisted).OrderBy(p => p.WaitlistSeq).Select(p => p.RowKey).ToList();

        var removals = toRemove.Select(p => world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/participants/{p.RowKey}/remove", new { actor = "Rina (panitia)", reason = "ganda" }));
        var rush = Enumerable.Range(11, 20).Select(async i => (await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(i), email: $"p{i}@example.org"))).Response);
        var answers = await Task.WhenAll(removals.Concat(rush));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var after = await store.ListAsync(cycleId);
        Assert.Equal(27, after.Count);
        Assert.DoesNotContain(after, p => toRemove.Any(r => r.RowKey == p.RowKey));
        var confirmed = after.Where(p => p.Status == ParticipantStatus.Confirmed).Select(p => p.RowKey).ToHashSet();
        Assert.Equal(6, confirmed.Count);
        // The three first on the waitlist took the freed seats (a newcomer never jumps the queue).
        Assert.All(waitlist.Take(3), id => Assert.Contains(id, confirmed));
        var counts = await world.Host.Services.GetRequiredService<CycleStore>().CountsAsync(cycleId);
        Assert.Equal((6, 21), (counts.Confirmed, counts.Waitlisted));

        // The removed people's NIPs are free again: their index rows went with them.
        var (again, _) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: toRemove[0].Nip!, email: "kembali@example.org"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        for (var i = 0; i < 300 && world.Host.Outbox.Deliveries.Count(d => d.CustomArgs.GetValueOrDefault("k") == MailKinds.Promoted) < 3; i++)
        {
            await Task.Delay(100);
        }

        await Task.Delay(1500);
        var promotedMails = world.Host.Outbox.Deliveries.Where(d => d.CustomArgs.GetValueOrDefault("k") == MailKinds.Promoted).Select(d => d.CustomArgs["p"]).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(waitlist.Take(3).Order(StringComparer.Ordinal), promotedMails);
    }
}
