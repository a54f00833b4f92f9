using System.Text.Json.Nodes;
using TrainingCycles.Certificates;
using TrainingCycles.DevHost;
using TrainingCycles.Evaluation;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Certificates;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Evaluation;

/// <summary>The optional gate: the workflow's certificate step holds a certificate back until its holder has sent the final evaluation, and reminds them exactly once.</summary>
public sealed class EvaluationGateTests
{
    [Fact]
    public async Task TheCertificateWaitsForTheFinalEvaluationAndTheReminderGoesOnce()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600);
        definition["evaluation"] = new JsonObject { ["requiredBeforeCertificate"] = true };
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        var people = await CertificateSetup.AddEligibleAsync(world, cycleId, ["Dr. Siti Aminah, M.Si.", "Bambang Sutrisno, S.Sos."]);
        var store = world.Host.Services.GetRequiredService<EvaluationStore>();
        var emailLog = world.Host.Services.GetRequiredService<EmailLog>();
        var step = ActivatorUtilities.CreateInstance<CertificateActivities>(world.Host.Services);
        Task<bool> Rate(string participantId) => store.AddRatingAsync(new RatingEntity
        {
            PartitionKey = cycleId,
            RowKey = EvaluationStore.RatingKey(Ratings.Organisation, participantId),
            Target = Ratings.Organisation,
            ParticipantId = participantId,
            Scores = "5,5,4,4",
            SubmittedAt = DateTimeOffset.UtcNow,
        });

        Assert.True(await Rate(people[0].RowKey));
        Assert.Equal(1, (await step.IssueCertificates(cycleId)).Affected);
        Assert.Equal([people[0].RowKey], (await CertificateSetup.CertificatesAsync(world, cycleId)).Select(c => c.ParticipantId));
        Assert.Null((await world.Host.Services.GetRequiredService<TrainingCycles.Cycles.ParticipantStore>().GetAsync(cycleId, people[1].RowKey))!.CertificateId);
        Assert.Equal([people[1].RowKey], await emailLog.HandledAsync(cycleId, MailKinds.EvaluationReminder, EvaluationGate.ReminderOccurrence));

        // The step again (an activity retry, a follow-up): nothing new issued, no second reminder.
        Assert.Equal(0, (await step.IssueCertificates(cycleId)).Affected);
        Assert.Single(await emailLog.ForCycleAsync(cycleId), e => e.Kind == MailKinds.EvaluationReminder);

        // After the evaluation the same step issues the held-back certificate.
        Assert.True(await Rate(people[1].RowKey));
        Assert.False(await Rate(people[1].RowKey));
        Assert.Equal(1, (await step.IssueCertificates(cycleId)).Affected);
        Assert.Equal(2, (await CertificateSetup.CertificatesAsync(world, cycleId)).Count);
        Assert.Single(await emailLog.ForCycleAsync(cycleId), e => e.Kind == MailKinds.EvaluationReminder);
    }
}
