using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Attendance;

/// <summary>Where a participant's self check-in stands; the check-in page shows one view per case.</summary>
public abstract record CheckInOutcome
{
    private CheckInOutcome()
    {
    }

    /// <summary>The training has ended: nothing can be checked in any more.</summary>
    public sealed record Ended : CheckInOutcome;

    /// <summary>No session's window is open now; the page says which one opens next.</summary>
    public sealed record NotOpen(IReadOnlyList<CheckInWindow> Windows, DateTimeOffset Now) : CheckInOutcome;

    /// <summary>A window is open and the code is asked for; <see cref="Problem"/> says what was wrong with the last one.</summary>
    public sealed record AskCode(IReadOnlyList<CheckInWindow> Open, bool AtTheDoor, CodeProblem Problem = CodeProblem.None, int AttemptsLeft = 0, DateTimeOffset? LockedUntil = null) : CheckInOutcome;

    /// <summary>The participant's row for the session: written now (<see cref="New"/>) or found.</summary>
    public sealed record Marked(ScheduledSession Session, AttendanceEntity Row, bool New) : CheckInOutcome;
}

public enum CodeProblem
{
    None,
    /// <summary>Not six digits: a typo, not a guess; it does not count against the limit.</summary>
    Shape,
    Wrong,
    Locked,
}

/// <summary>
/// The self check-in itself, for a participant whose personal link has been checked: which windows are open, the
/// wrong-code limit (<see cref="CheckInThrottle"/>, in storage so it holds on every instance) and the insert-only
/// attendance row — a repeat is harmless and an organizer's mark is never overwritten.
/// </summary>
public sealed class SelfCheckIn(AttendanceStore attendance, AppTables tables, TimeProvider time, ILogger<SelfCheckIn> logger)
{
    private readonly CheckInThrottle _throttle = new(tables, time);

    /// <summary>Looks (<paramref name="code"/> null: the page opened) or checks in with the code typed.</summary>
    public async Task<CheckInOutcome> RunAsync(CycleRecord cycle, ParticipantEntity participant, string? code, CancellationToken cancellationToken)
    {
        if (cycle.Phase is CyclePhase.Completing or CyclePhase.Completed || cycle.Entity.TrainingEndedAt is not null)
        {
            return new CheckInOutcome.Ended();
        }

        var now = time.GetUtcNow();
        var windows = CheckInWindows.For(cycle);
        var open = CheckInWindows.Open(windows, now);
        if (open.Count == 0)
        {
            return new CheckInOutcome.NotOpen(windows, now);
        }

        // The mode is read from storage on every request, so an organizer's switch counts on every instance at once.
        var modes = await Task.WhenAll(open.Select(w => attendance.ModeAsync(cycle.CycleId, w.Session.Id, cancellationToken)));
        var atTheDoor = modes.Any(m => m?.PresenceRequired == true);
        if (code is null)
        {
            var marks = await Task.WhenAll(open.Select(w => attendance.GetAsync(cycle.CycleId, w.Session.Id, participant.RowKey, cancellationToken)));
            return marks.All(m => m is not null) ? new CheckInOutcome.Marked(open[0].Session, marks[0]!, New: false) : new CheckInOutcome.AskCode(open, atTheDoor);
        }

        if (await _throttle.LockedUntilAsync(cycle.CycleId, participant.RowKey, cancellationToken) is { } lockedUntil)
        {
            return new CheckInOutcome.AskCode(open, atTheDoor, CodeProblem.Locked, LockedUntil: lockedUntil);
        }

        code = SessionCodes.Normalize(code);
        if (code.Length != SessionCodes.Digits || !code.All(char.IsAsciiDigit))
        {
            return new CheckInOutcome.AskCode(open, atTheDoor, CodeProblem.Shape);
        }

        var index = open.ToList().FindIndex(w => SessionCodes.Verify(cycle.Entity.CheckInSecret, w.Session.Id, code, now));
        if (index < 0)
        {
            var left = await _throttle.RecordFailureAsync(cycle.CycleId, participant.RowKey, cancellationToken);
            if (left > 0)
            {
                return new CheckInOutcome.AskCode(open, atTheDoor, CodeProblem.Wrong, left);
            }

            logger.LogWarning("Check-in locked for a participant of cycle {CycleId} after {Max} wrong codes", cycle.CycleId, CheckInThrottle.MaxFailures);
            return new CheckInOutcome.AskCode(open, atTheDoor, CodeProblem.Locked, LockedUntil: now + CheckInThrottle.Window);
        }

        // Presence-bound session: the shared code proves only that someone saw the screen (or a chat message), so
        // the check-in waits for an organizer.
        var window = open[index];
        var row = new AttendanceEntity
        {
            PartitionKey = cycle.CycleId,
            RowKey = AttendanceStore.Key(window.Session.Id, participant.RowKey),
            SessionId = window.Session.Id,
            ParticipantId = participant.RowKey,
            Status = modes[index]?.PresenceRequired == true ? AttendanceStatus.Pending : window.StatusAt(now),
            CheckedInAt = now,
            Source = AttendanceSource.Self,
            MarkedAt = now,
        };
        if (await attendance.TryAddAsync(row, cancellationToken))
        {
            return new CheckInOutcome.Marked(window.Session, row, New: true);
        }

        var existing = await attendance.GetAsync(cycle.CycleId, window.Session.Id, participant.RowKey, cancellationToken);
        return new CheckInOutcome.Marked(window.Session, existing ?? row, New: false);
    }
}
