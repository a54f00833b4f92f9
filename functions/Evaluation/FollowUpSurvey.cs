using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NodaTime;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Evaluation;

// Wire contracts (orchestration history): ids, times and counts only, never personal data.
public sealed record FollowUpInput(string CycleId);

public sealed record FollowUpPlan(bool Enabled, DateTimeOffset SendAt, DateTimeOffset RemindAt);

public sealed record FollowUpWave(string CycleId, string Occurrence);

public sealed record FollowUpResult(int Surveyed, int Reminded);

/// <summary>
/// The follow-up survey, a set time after the cycle completes: one orchestration per cycle (instance id
/// <c>{cycleId}:followup</c>, started once by the cycle workflow as it enters Completed), a durable timer to the
/// survey, one to the single reminder. Durable timers live in the task hub, so the wait survives restarts and
/// deployments; the history holds the cycle id, two times and counts.
/// </summary>
public static class FollowUpOrchestration
{
    public const string SurveyOccurrence = "survey";
    public const string ReminderOccurrence = "reminder";

    public static string InstanceId(string cycleId) => $"{cycleId}:followup";

    [Function(nameof(FollowUpOrchestrator))]
    public static async Task<FollowUpResult> FollowUpOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, FollowUpInput input)
    {
        var log = context.CreateReplaySafeLogger(nameof(FollowUpOrchestrator));
        var plan = await context.CallActivityAsync<FollowUpPlan>(nameof(FollowUpActivities.LoadFollowUpPlan), input.CycleId, RetryPolicies.Storage);
        if (!plan.Enabled)
        {
            return new FollowUpResult(0, 0);
        }

        if (plan.SendAt > context.CurrentUtcDateTime)
        {
            await context.CreateTimer(plan.SendAt.UtcDateTime, CancellationToken.None);
        }

        var surveyed = await context.CallActivityAsync<int>(nameof(FollowUpActivities.SendFollowUpWave), new FollowUpWave(input.CycleId, SurveyOccurrence), RetryPolicies.SendGrid);
        if (plan.RemindAt > context.CurrentUtcDateTime)
        {
            await context.CreateTimer(plan.RemindAt.UtcDateTime, CancellationToken.None);
        }

        var reminded = await context.CallActivityAsync<int>(nameof(FollowUpActivities.SendFollowUpWave), new FollowUpWave(input.CycleId, ReminderOccurrence), RetryPolicies.SendGrid);
        log.LogInformation("Follow-up survey of cycle {CycleId}: {Surveyed} surveyed, {Reminded} reminded", input.CycleId, surveyed, reminded);
        return new FollowUpResult(surveyed, reminded);
    }

    /// <summary>Starts the cycle's follow-up once (a second start is a no-op); false when it already exists.</summary>
    public static Task<bool> StartAsync(DurableTaskClient durable, string cycleId, CancellationToken cancellationToken = default) =>
        DurableStarts.StartOnceAsync(durable, nameof(FollowUpOrchestrator), new FollowUpInput(cycleId), InstanceId(cycleId), cancellationToken);

    /// <summary>A period such as P3M, P90D or PT30S (tests); null when missing or not a positive period.</summary>
    public static Period? ParsePeriod(string? value) => EvaluationPeriods.Parse(value);

    /// <summary>When the survey and the reminder go: the periods added in the cycle's zone (months are calendar months).</summary>
    public static FollowUpPlan Plan(CycleRecord cycle, DateTimeOffset completedAt)
    {
        var settings = cycle.Definition.Evaluation;
        if (ParsePeriod(settings?.FollowUpAfter) is not { } after)
        {
            return new FollowUpPlan(false, completedAt, completedAt);
        }

        var zone = DateTimeZoneProviders.Tzdb[cycle.Schedule.TimeZone];
        var local = Instant.FromDateTimeOffset(completedAt).InZone(zone).LocalDateTime;
        var sendLocal = local + after;
        var remindLocal = sendLocal + (ParsePeriod(settings!.FollowUpReminderAfter) ?? Period.FromDays(14));
        return new FollowUpPlan(true, sendLocal.InZoneLeniently(zone).ToDateTimeOffset().ToUniversalTime(), remindLocal.InZoneLeniently(zone).ToDateTimeOffset().ToUniversalTime());
    }
}

/// <summary>The follow-up's activities: start it, plan it, mail a wave (each person once per occurrence, email log).</summary>
public sealed class FollowUpActivities(CycleStore cycles, ParticipantStore participants, EvaluationStore store, EmailLog emailLog, Mailer mailer, MailComposer composer, Tokens tokens, IOptions<TrainingCyclesOptions> options, TimeProvider time, ILogger<FollowUpActivities> logger)
{
    /// <summary>The survey link's purpose (a token for anything else is refused by the survey page).</summary>
    public const string TokenPurpose = "followup";

    /// <summary>The superior's survey link: names the alumnus (subject) and the role, so neither link opens the other's survey.</summary>
    public const string SuperiorTokenPurpose = "followup-superior";

    /// <summary>The token purpose a rating target's link must carry.</summary>
    public static string PurposeOf(string target) => target switch
    {
        Ratings.FollowUp => TokenPurpose,
        Ratings.FollowUpSuperior => SuperiorTokenPurpose,
        _ => Infrastructure.TokenPurpose.Manage,
    };

    public static readonly TimeSpan LinkLifetime = TimeSpan.FromDays(60);

    [Function(nameof(StartFollowUpSurvey))]
    public async Task<StepResult> StartFollowUpSurvey([ActivityTrigger] string cycleId, [DurableClient] DurableTaskClient durable)
    {
        var cycle = await cycles.GetAsync(cycleId);
        if (cycle is null || FollowUpOrchestration.ParsePeriod(cycle.Definition.Evaluation?.FollowUpAfter) is null)
        {
            return new StepResult(0);
        }

        var started = await FollowUpOrchestration.StartAsync(durable, cycleId);
        logger.LogInformation("Follow-up survey of cycle {CycleId} {Outcome}", cycleId, started ? "scheduled" : "already scheduled");
        return new StepResult(started ? 1 : 0);
    }

    [Function(nameof(LoadFollowUpPlan))]
    public async Task<FollowUpPlan> LoadFollowUpPlan([ActivityTrigger] string cycleId)
    {
        var cycle = await cycles.GetAsync(cycleId);
        return cycle is null ? new FollowUpPlan(false, default, default) : FollowUpOrchestration.Plan(cycle, cycle.Entity.CompletedAt ?? time.GetUtcNow());
    }

    /// <summary>
    /// The alumni (eligible, confirmed) get the survey, and each one's superior where one was named gets theirs; the
    /// reminder goes only to whoever of them has not answered. Returns the mails sent (alumni and superiors).
    /// </summary>
    [Function(nameof(SendFollowUpWave))]
    public async Task<int> SendFollowUpWave([ActivityTrigger] FollowUpWave wave)
    {
        if (await cycles.GetAsync(wave.CycleId) is not { } cycle)
        {
            return 0;
        }

        var reminder = wave.Occurrence == FollowUpOrchestration.ReminderOccurrence;
        var ratings = reminder ? await store.ListRatingsAsync(cycle.CycleId) : [];
        HashSet<string> Answered(string target) => ratings.Where(r => r.Target == target).Select(r => r.ParticipantId).ToHashSet(StringComparer.Ordinal);
        var alumni = (await participants.ListAsync(cycle.CycleId)).Where(p => p.Eligible == true && p.Status == ParticipantStatus.Confirmed).ToList();

        var alumnusAnswered = Answered(Ratings.FollowUp);
        var sent = await SendAsync(cycle, wave.Occurrence, MailKinds.FollowUpSurvey, alumni.Where(p => !alumnusAnswered.Contains(p.RowKey)), p =>
        {
            var r = composer.Recipient(cycle, p, MailKinds.FollowUpSurvey);
            return r with { Values = new Dictionary<string, string>(r.Values) { ["link"] = SurveyLink(cycle, p, Ratings.FollowUp) } };
        });

        var superiorAnswered = Answered(Ratings.FollowUpSuperior);
        sent += await SendAsync(cycle, wave.Occurrence, MailKinds.FollowUpSuperior,
            alumni.Where(p => !string.IsNullOrWhiteSpace(p.SuperiorEmail) && !superiorAnswered.Contains(p.RowKey)),
            p => new MailRecipient(p.RowKey, p.SuperiorEmail!, p.SuperiorName, new Dictionary<string, string>
            {
                ["name"] = string.IsNullOrWhiteSpace(p.SuperiorName) ? Text.Get(p.Language == "en" ? "en" : "id", nameof(Texts.Eval_Superior_Salutation)) : p.SuperiorName,
                ["link"] = SurveyLink(cycle, p, Ratings.FollowUpSuperior),
                ["number"] = p.RegistrationNumber ?? "",
                ["about"] = p.FullName ?? p.RegistrationNumber ?? "", // whom the survey is about: the alumnus
            }));
        return sent;
    }

    /// <summary>Mails one kind of a wave, per language, in requests of up to 1,000; each person once per (kind, occurrence).</summary>
    private async Task<int> SendAsync(CycleRecord cycle, string occurrence, string kind, IEnumerable<ParticipantEntity> people, Func<ParticipantEntity, MailRecipient> recipient)
    {
        var handled = await emailLog.HandledAsync(cycle.CycleId, kind, occurrence);
        var sent = 0;
        foreach (var group in people.Where(p => !handled.Contains(p.RowKey)).GroupBy(p => p.Language == "en" ? "en" : "id"))
        {
            var rendered = composer.Render(cycle, kind, group.Key);
            foreach (var chunk in group.Chunk(Mailer.MaxRecipientsPerRequest))
            {
                var outcome = await mailer.SendAsync(cycle.CycleId, kind, rendered, [.. chunk.Select(recipient)]);
                await emailLog.RecordAsync(cycle.CycleId, kind, occurrence, [
                    .. outcome.Sent.Select(id => new EmailLogRecord(id, EmailStatus.Sent, outcome.MessageId, null)),
                    .. outcome.Rejected.Select(x => new EmailLogRecord(x.ParticipantId, EmailStatus.Rejected, null, x.Error))]);
                sent += outcome.Sent.Count;
            }
        }

        return sent;
    }

    private string SurveyLink(CycleRecord cycle, ParticipantEntity p, string target) =>
        new Uri(options.Value.PublicBaseUri, $"api/cycles/{cycle.CycleId}/rate/{target}?t={Uri.EscapeDataString(tokens.Create(PurposeOf(target), cycle.CycleId, p.RowKey, time.GetUtcNow().Add(LinkLifetime), p.TokenVersion))}").ToString();
}
