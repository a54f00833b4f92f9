using TrainingCycles.Reminders;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.ScaleOut;

/// <summary>The same person submitting the form twice at once, to two instances: one registration, one mail.</summary>
public sealed class DoubleSubmitAcrossInstancesTests
{
    private const int People = 12;

    [Fact]
    public async Task TheSamePersonPostingToTwoInstancesAtOnceIsRegisteredOnceAndMailedOnce()
    {
        await using var world = await MultiInstanceWorld.StartAsync(2);
        var cycleId = (await CycleApi.CreateAsync(world.Organizer(0), CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, capacity: 100, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;

        var codes = await Task.WhenAll(Enumerable.Range(0, People).Select(async i =>
        {
            var form = Forms.ValidRegistration(nip: Forms.Nip(i), email: $"ganda{i}@example.org");
            var both = await Task.WhenAll(
                Forms.PostAsync(world.Participant(0), $"api/cycles/{cycleId}/register", form),
                Forms.PostAsync(world.Participant(1), $"api/cycles/{cycleId}/register", form));
            return both.Select(r => (int)r.Response.StatusCode).Order().ToArray();
        }));

        // One of the two is the registration, the other is told the NIP is already registered.
        Assert.All(codes, c => Assert.Equal([200, 422], c));
        var counts = (await CycleApi.GetAsync(world.Organizer(1), cycleId)).GetProperty("counts");
        Assert.Equal(People, counts.GetProperty("confirmed").GetInt32());

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (world.Outbox.Deliveries.Count(d => d.CustomArgs.GetValueOrDefault("k") == MailKinds.Confirmation) < People && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        await Task.Delay(1000);
        var mails = world.Outbox.Deliveries.Where(d => d.CustomArgs.GetValueOrDefault("k") == MailKinds.Confirmation).Select(d => d.To).ToList();
        Assert.Equal(People, mails.Count);
        Assert.Equal(People, mails.Distinct(StringComparer.Ordinal).Count());
    }
}
