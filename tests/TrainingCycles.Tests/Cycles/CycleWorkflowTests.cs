using System.Net;
using System.Text.Json;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Cycles;

public sealed class CycleWorkflowTests
{
    [Fact]
    public async Task CycleWithInviteesOnlyWalksEveryPhaseOnItsTimersAndMailsInvitationsAndReminders()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.AzureStorage);
        var created = await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 10));
        var cycleId = created.GetProperty("cycleId").GetString()!;

        var import = await CycleApi.ImportCsvAsync(world.Organizer, cycleId, CycleApi.InviteesCsv(5));
        Assert.Equal(5, import.GetProperty("imported").GetInt32());

        var done = await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "Completed");

        Assert.Equal(5, done.GetProperty("counts").GetProperty("invited").GetInt32());
        var deliveries = world.Host.Outbox.Deliveries;
        Assert.Equal(5, deliveries.Count(d => d.CustomArgs["k"] == "invitation"));
        Assert.Equal(5, deliveries.Count(d => d.CustomArgs["k"] == "registration-reminder"));
        Assert.DoesNotContain(deliveries, d => d.CustomArgs["k"] == "certificate-issued");
    }
}
