using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.DevHost;
using TrainingCycles.Registration;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Identity;

/// <summary>The named audit trail (#18.3): who, from where, before/after, append-only, and looks at personal data.</summary>
public sealed class AuditTrailTests
{
    private static async Task<(TestWorld World, string CycleId)> OpenCycleAsync()
    {
        var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var created = await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600));
        return (world, created.GetProperty("cycleId").GetString()!);
    }

    [Fact]
    public async Task ACorrectionRecordsWhoFromWhereAndOnlyTheFieldsThatChangedBeforeAndAfter()
    {
        var (world, cycleId) = await OpenCycleAsync();
        await using var _ = world;
        await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(1), email: "rina@example.org", name: "Rina Lestari"));
        var p = Assert.Single(await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId));

        var corrected = await world.Organizer.PatchAsJsonAsync($"api/cycles/{cycleId}/participants/{p.RowKey}", new { actor = "Yusuf (panitia)", fullName = "Rina Lestari, S.Sos.", reason = "gelar belum ditulis" });
        Assert.Equal(HttpStatusCode.OK, corrected.StatusCode);

        var entry = Assert.Single(await world.Host.Services.GetRequiredService<AuditLog>().ReadAsync(cycleId, p.RowKey), e => e.Action == "participant.corrected");
        // Automation names the officer it acts for; the id stays the key's identity.
        Assert.Equal((TestWorld.OrganizerActorId, "Yusuf (panitia)", "service"), (entry.ActorId, entry.Actor, entry.ActorMethod));
        Assert.False(string.IsNullOrEmpty(entry.ActorMethod));
        Assert.True(IPAddress.TryParse(entry.From, out var from) && IPAddress.IsLoopback(from), $"From = {entry.From}");
        Assert.Contains("gelar belum ditulis", entry.Details, StringComparison.Ordinal);
        using var before = JsonDocument.Parse(entry.Before!);
        using var after = JsonDocument.Parse(entry.After!);
        Assert.Equal(["fullName"], before.RootElement.EnumerateObject().Select(o => o.Name));
        Assert.Equal("Rina Lestari", before.RootElement.GetProperty("fullName").GetString());
        Assert.Equal("Rina Lestari, S.Sos.", after.RootElement.GetProperty("fullName").GetString());
    }

    [Fact]
    public async Task LooksAtPersonalDataAreRecordedOncePerWindowAndTheTrailFiltersByWhoAndWhat()
    {
        var (world, cycleId) = await OpenCycleAsync();
        await using var _ = world;
        await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(2), email: "budi@example.org", name: "Budi Santoso"));
        var budi = Assert.Single(await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId));

        // The dashboard re-reads the list as people work: ten looks (some at once) are one entry in the window.
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => world.Organizer.GetAsync($"api/cycles/{cycleId}/participants")));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await world.Organizer.GetAsync($"api/cycles/{cycleId}/participants")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await world.Organizer.GetAsync($"api/cycles/{cycleId}/participants?format=csv")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await world.Organizer.GetAsync($"api/cycles/{cycleId}/participants/{budi.RowKey}/timeline")).StatusCode);

        var audit = await world.Host.Services.GetRequiredService<AuditLog>().ReadAsync(cycleId);
        Assert.Single(audit, e => e.Action == "view.participants");
        Assert.Single(audit, e => e.Action == "view.participants-export");
        var timeline = Assert.Single(audit, e => e.Action == "view.timeline");
        Assert.Equal(budi.RowKey, timeline.ParticipantId);
        var who = timeline.ActorId!;

        // The person's own history does not list who looked at it; the administrators' trail does.
        using var history = JsonDocument.Parse(await world.Organizer.GetStringAsync($"api/cycles/{cycleId}/participants/{budi.RowKey}/timeline"));
        Assert.DoesNotContain(history.RootElement.GetProperty("entries").EnumerateArray(), e => e.GetProperty("kind").GetString()!.StartsWith("view.", StringComparison.Ordinal));

        using var views = JsonDocument.Parse(await world.Organizer.GetStringAsync($"api/audit?cycleId={cycleId}&actorId={Uri.EscapeDataString(who)}&action=view."));
        var actions = views.RootElement.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(["view.participants", "view.participants-export", "view.timeline"], actions.Order());
        Assert.All(views.RootElement.GetProperty("entries").EnumerateArray(), e => Assert.Equal(who, e.GetProperty("actor").GetProperty("id").GetString()));

        using var nobody = JsonDocument.Parse(await world.Organizer.GetStringAsync($"api/audit?cycleId={cycleId}&actorId=email:nobody@example.org"));
        Assert.Equal(0, nobody.RootElement.GetProperty("count").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await world.Organizer.GetAsync("api/audit?participantId=not-an-id")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Http.GetAsync($"api/audit?cycleId={cycleId}")).StatusCode);
    }

    [Fact]
    public async Task ARescheduleKeepsTheOldAndNewTimesAndACommandThePhaseItLeft()
    {
        var (world, cycleId) = await OpenCycleAsync();
        await using var _ = world;
        var cycle = await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "RegistrationOpen");
        var closes = DateTimeOffset.Parse(cycle.GetProperty("schedule").GetProperty("registrationClosesAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var later = CycleApi.Iso(closes.AddMinutes(-10));
        var rescheduled = await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/reschedule", new { registrationClosesAt = later });
        Assert.Equal(HttpStatusCode.Accepted, rescheduled.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await CycleApi.CommandAsync(world.Organizer, cycleId, "cancel", new { reason = "banjir" })).StatusCode);

        var audit = await world.Host.Services.GetRequiredService<AuditLog>().ReadAsync(cycleId);
        var change = Assert.Single(audit, e => e.Action == "cycle.rescheduled");
        Assert.Contains(later, change.After!, StringComparison.Ordinal);
        Assert.DoesNotContain(later, change.Before!, StringComparison.Ordinal);
        var cancel = Assert.Single(audit, e => e.Action == "cycle.cancel");
        Assert.Contains("RegistrationOpen", cancel.Before!, StringComparison.Ordinal);
        Assert.Equal("banjir", cancel.Details);
        Assert.All(audit.Where(e => e.Action.StartsWith("cycle.", StringComparison.Ordinal) && e.Action != "cycle.phase"), e => Assert.NotEqual("organizer", e.ActorId));
    }
}
