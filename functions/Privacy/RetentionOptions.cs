using Microsoft.Extensions.Options;
using NodaTime;
using NodaTime.Text;

namespace TrainingCycles.Privacy;

/// <summary>
/// How long personal data is kept (UU PDP 27/2022: deletion at the end of retention), settings under
/// <c>Privacy__Retention__*</c>, each an ISO 8601 period. The retention workflow (<see cref="RetentionWorkflow"/>)
/// reads them each round, so a change takes effect at the next round without a redeploy of instances in flight.
/// </summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Privacy__Retention";

    /// <summary>Everything about a participation, counted from the cycle's end (completed or cancelled).</summary>
    public string PersonalDataAfterCycle { get; set; } = "P2Y";

    /// <summary>Assignment letters (surat tugas) with their nominee rows, and absence evidence files, from the cycle's end.</summary>
    public string LettersAfter { get; set; } = "P5Y";

    /// <summary>Invitees who never registered, counted from when registration closed.</summary>
    public string NeverRegisteredInviteesAfterRegistrationCloses { get; set; } = "P30D";

    /// <summary>True: each round records what it would remove (audit counts, the administrators' list) and removes nothing.</summary>
    public bool DryRun { get; set; }

    /// <summary>Time between rounds (a time-only ISO period: <c>PT24H</c>, <c>PT1H</c>).</summary>
    public string Interval { get; set; } = "PT24H";

    /// <summary>Participants per activity (one activity anonymises one batch).</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>Participants per round; what is left goes in the next round, a minute later (history stays small).</summary>
    public int MaxPerRound { get; set; } = 500;

    public Period PersonalData => Parse(PersonalDataAfterCycle);

    public Period Letters => Parse(LettersAfter);

    public Period NeverRegistered => Parse(NeverRegisteredInviteesAfterRegistrationCloses);

    public TimeSpan Every => Parse(Interval).ToDuration().ToTimeSpan();

    /// <summary>The moment <paramref name="period"/> after <paramref name="from"/> (calendar arithmetic in UTC: P2Y is two calendar years).</summary>
    public static DateTimeOffset After(DateTimeOffset from, Period period) =>
        (Instant.FromDateTimeOffset(from).InUtc().LocalDateTime + period).InUtc().ToDateTimeOffset();

    internal static Period Parse(string value) => PeriodPattern.NormalizingIso.Parse((value ?? "").Trim()).GetValueOrThrow();
}

/// <summary>Refuses to start with a setting that is not a positive ISO period, naming the setting.</summary>
internal sealed class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, RetentionOptions options)
    {
        const string p = "Privacy__Retention__";
        var failures = new List<string>();
        foreach (var (setting, value) in new[]
        {
            (nameof(options.PersonalDataAfterCycle), options.PersonalDataAfterCycle),
            (nameof(options.LettersAfter), options.LettersAfter),
            (nameof(options.NeverRegisteredInviteesAfterRegistrationCloses), options.NeverRegisteredInviteesAfterRegistrationCloses),
        })
        {
            var parsed = PeriodPattern.NormalizingIso.Parse((value ?? "").Trim());
            if (!parsed.Success || parsed.Value == Period.Zero || HasNegative(parsed.Value))
            {
                failures.Add($"Setting '{p}{setting}' must be a positive ISO 8601 period such as P2Y, P6M or P30D (got '{value}').");
            }
        }

        var interval = PeriodPattern.NormalizingIso.Parse((options.Interval ?? "").Trim());
        if (!interval.Success || interval.Value.HasDateComponent && (interval.Value.Years != 0 || interval.Value.Months != 0 || interval.Value.Weeks != 0)
            || HasNegative(interval.Value) || interval.Value.ToDuration() < Duration.FromSeconds(1) || interval.Value.ToDuration() > Duration.FromDays(7))
        {
            failures.Add($"Setting '{p}{nameof(options.Interval)}' must be an ISO 8601 duration between PT1S and P7D such as PT24H (got '{options.Interval}').");
        }

        if (options.BatchSize is < 1 or > 100 || options.MaxPerRound < options.BatchSize || options.MaxPerRound > 5000)
        {
            failures.Add($"Settings '{p}{nameof(options.BatchSize)}' (1–100) and '{p}{nameof(options.MaxPerRound)}' (at least the batch size, at most 5000) are out of range.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool HasNegative(Period period) =>
        period.Years < 0 || period.Months < 0 || period.Weeks < 0 || period.Days < 0 || period.Hours < 0 || period.Minutes < 0 || period.Seconds < 0 || period.Milliseconds < 0;
}
