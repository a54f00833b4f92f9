using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TrainingCycles.Cycles;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.ScaleOut;

/// <summary>
/// Withdrawals on some instances racing a registration rush on the others, the cycle full: every withdrawal and
/// registration is answered (no 503 from losing the counters row to other instances' batches), each freed seat
/// goes to the first on the waitlist, and each promoted person gets one mail.
/// </summary>
public sealed class WithdrawalRaceTests
{
    private const int Capacity = 30;
    private const int Waitlist = 20;
    private const int Withdrawals = 20;
    private const int Rush = 90;

    [Fact]
    public async Task WithdrawalsRacingRegistrationsOverThreeInstancesAllSucceedAndPromotionsFillTheFreedSeats()
    {
        await using var world = await MultiInstanceWorld.StartAsync(3);
        var cycleId = (await CycleApi.CreateAsync(world.Organizer(0), CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, capacity: Capacity, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;

        // Full, with a waitlist, before the race.
        for (var i = 0; i < Capacity + Waitlist; i++)
        {
            var (response, _) = await Forms.PostAsync(world.Participant(i % 3), $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(i), email: $"awal{i}@example.org"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var before = await ParticipantsAsync(world, cycleId);
        var seated = before.Where(p => p.Status == ParticipantStatus.Confirmed).Take(Withdrawals).ToList();
        var waitlisted = before.Where(p => p.Status == ParticipantStatus.Waitlisted).OrderBy(p => p.WaitlistSeq).Select(p => p.RowKey).ToList();
        Assert.Equal(Waitlist, waitlisted.Count);

        // Withdrawals on instance 0 (the organizer's), registrations round-robin on 1 and 2, all at once.
        var withdrawals = seated.Select(async p =>
        {
            var response = await world.Organizer(0).PostAsJsonAsync($"api/cycles/{cycleId}/participants/{p.RowKey}/withdraw", new { actor = "Panitia Uji", reason = "mengundurkan diri" });
            return (int)response.StatusCode;
        });
        var registrations = Enumerable.Range(0, Rush).Select(async i =>
        {
            var (response, _) = await Forms.PostAsync(world.Participant(1 + i % 2), $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(1000 + i), email: $"rush{i}@example.org"));
            return (int)response.StatusCode;
        });
        var withdrawalCodes = await Task.WhenAll(withdrawals);
        var registrationCodes = await Task.WhenAll(registrations);
        Assert.All(withdrawalCodes, c => Assert.Equal(200, c));
        Assert.All(registrationCodes, c => Assert.Equal(200, c));

        var after = await ParticipantsAsync(world, cycleId);
        var confirmed = after.Where(p => p.Status == ParticipantStatus.Confirmed).ToList();
        Assert.Equal(Capacity, confirmed.Count);
        Assert.Equal(Withdrawals, after.Count(p => p.Status == ParticipantStatus.Withdrawn));
        Assert.Equal(Waitlist + Rush, after.Count(p => p.Status == ParticipantStatus.Waitlisted) + Withdrawals);

        // The freed seats went to those who waited, in waitlist order (the rush joined the waitlist behind them).
        var promoted = confirmed.Select(p => p.RowKey).Intersect(waitlisted).ToHashSet();
        Assert.Equal(waitlisted.Take(Withdrawals), waitlisted.Where(promoted.Contains));

        // Counters equal rows; registration numbers gap-free.
        var counts = (await CycleApi.GetAsync(world.Organizer(2), cycleId)).GetProperty("counts");
        Assert.Equal(Capacity, counts.GetProperty("confirmed").GetInt32());
        Assert.Equal(Withdrawals, counts.GetProperty("withdrawn").GetInt32());
        Assert.Equal(Waitlist + Rush - Withdrawals, counts.GetProperty("waitlisted").GetInt32());
        var numbers = after.Select(p => int.Parse(p.RegistrationNumber![(p.RegistrationNumber!.IndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
        Assert.Equal(Enumerable.Range(numbers[0], Capacity + Waitlist + Rush), numbers);

        // One promotion mail to each promoted person.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (world.Outbox.Deliveries.Count(d => d.CustomArgs.GetValueOrDefault("k") == MailKinds.Promoted) < Withdrawals && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        await Task.Delay(1000);
        var promotionMails = world.Outbox.Deliveries.Where(d => d.CustomArgs.GetValueOrDefault("k") == MailKinds.Promoted).Select(d => d.To).ToList();
        Assert.Equal(Withdrawals, promotionMails.Count);
        Assert.Equal(after.Where(p => promoted.Contains(p.RowKey)).Select(p => p.Email).Order(StringComparer.Ordinal), promotionMails.Order(StringComparer.Ordinal));
    }

    private static async Task<List<ParticipantEntity>> ParticipantsAsync(MultiInstanceWorld world, string cycleId)
    {
        var table = new Azure.Data.Tables.TableClient(world.Storage, world.Id + "Participants");
        var rows = new List<ParticipantEntity>();
        await foreach (var p in table.QueryAsync<ParticipantEntity>(Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {"p"} and RowKey lt {"q"}")))
        {
            rows.Add(p);
        }

        return rows;
    }
}
