using NodaTime;
using NodaTime.Text;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

/// <summary>
/// #21: the follow-up survey's periods in <see cref="EvaluationSettings"/> (ISO-8601, e.g. P3M, P14D; PT30S for a
/// compressed demo), parsed and checked in one place so that a cycle with a period the workflow cannot use is
/// refused at create/reschedule instead of silently never sending the survey.
/// </summary>
public static class EvaluationPeriods
{
    /// <summary>The survey goes at most this long after completion.</summary>
    public static readonly Period MaxFollowUpAfter = Period.FromYears(2);

    /// <summary>The reminder goes at most this long after the survey.</summary>
    public static readonly Period MaxReminderAfter = Period.FromDays(90);

    private static readonly LocalDateTime Reference = new(2000, 1, 1, 0, 0);

    /// <summary>A positive period such as P3M, P90D or PT30S; null when missing, not a period, zero or negative.</summary>
    public static Period? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 40)
        {
            return null;
        }

        var parsed = PeriodPattern.NormalizingIso.Parse(value.Trim());
        return parsed.Success && IsPositive(parsed.Value) ? parsed.Value : null;
    }

    /// <summary>Field errors for the evaluation settings (bilingual), nothing when they are absent or fine.</summary>
    public static void Check(EvaluationSettings? settings, List<FieldError> errors)
    {
        if (settings is null)
        {
            return;
        }

        CheckPeriod(settings.FollowUpAfter, "evaluation.followUpAfter", MaxFollowUpAfter, nameof(Texts.Field_Eval_FollowUpAfter), errors);
        var reminder = CheckPeriod(settings.FollowUpReminderAfter, "evaluation.followUpReminderAfter", MaxReminderAfter, nameof(Texts.Field_Eval_FollowUpReminderAfter), errors);
        if (reminder && string.IsNullOrWhiteSpace(settings.FollowUpAfter))
        {
            errors.Add(new("evaluation.followUpReminderAfter", Text.Both(nameof(Texts.Field_Eval_ReminderWithoutSurvey))));
        }
    }

    /// <summary>True when the value is present (valid or not); adds an error when present but not a usable period.</summary>
    private static bool CheckPeriod(string? value, string field, Period max, string key, List<FieldError> errors)
    {
        if (value is null)
        {
            return false;
        }

        if (Parse(value) is not { } period || !WithinMax(period, max))
        {
            errors.Add(new(field, Text.Both(key, value.Length > 40 ? value[..40] + "…" : value)));
        }

        return true;
    }

    private static bool IsPositive(Period p) =>
        p != Period.Zero && p.Years >= 0 && p.Months >= 0 && p.Weeks >= 0 && p.Days >= 0 && p.Hours >= 0 && p.Minutes >= 0 && p.Seconds >= 0 &&
        p.Milliseconds >= 0 && p.Ticks >= 0 && p.Nanoseconds >= 0;

    private static bool WithinMax(Period period, Period max)
    {
        try
        {
            return Reference + period <= Reference + max;
        }
        catch (Exception e) when (e is OverflowException or ArgumentOutOfRangeException)
        {
            return false;
        }
    }
}
