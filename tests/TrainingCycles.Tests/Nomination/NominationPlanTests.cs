using TrainingCycles.Nomination;

namespace TrainingCycles.Tests.Nomination;

/// <summary>The nomination workflow's decision (pure) and the seats quotas hold back from the open form.</summary>
public sealed class NominationPlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AFarDeadlineIsSleptTowardsInRechecksSoAnEarlierOneIsNoticedWithinTheBound()
    {
        var plan = new NominationPlan(Now.AddDays(10), [TimeSpan.FromDays(3)], false, false, TimeSpan.FromMinutes(15));
        Assert.Equal(new NominationNext(NominationStepKind.Wait, Now.AddMinutes(15)), NominationWorkflow.Next(plan, Now, []));

        // The organizer moved the deadline to 5 minutes from now: the next read of the plan sleeps until exactly then…
        var moved = plan with { Deadline = Now.AddMinutes(5) };
        Assert.Equal(new NominationNext(NominationStepKind.Wait, Now.AddMinutes(5)), NominationWorkflow.Next(moved, Now, []));

        // …or, when it is already past, releases at once.
        Assert.Equal(NominationStepKind.Release, NominationWorkflow.Next(plan with { Deadline = Now.AddMinutes(-1) }, Now, []).Kind);
    }

    [Fact]
    public void RemindersGoInOrderOncePerDeadlineAndNeverForATimeAlreadyPast()
    {
        var deadline = Now.AddHours(10);
        var plan = new NominationPlan(deadline, [TimeSpan.FromHours(2), TimeSpan.FromHours(12), TimeSpan.FromHours(9)], false, false, TimeSpan.FromDays(1));
        var first = NominationWorkflow.Next(plan, Now, []);
        Assert.Equal(NominationStepKind.Remind, first.Kind);
        Assert.Equal(deadline.AddHours(-9), first.At);
        var second = NominationWorkflow.Next(plan, first.At, [first.Key!]);
        Assert.Equal(deadline.AddHours(-2), second.At);
        Assert.Equal(new NominationNext(NominationStepKind.Wait, deadline), NominationWorkflow.Next(plan, second.At, [first.Key!, second.Key!]));

        // A moved deadline has reminder keys of its own: what was sent for the old one does not count for it.
        var moved = plan with { Deadline = deadline.AddHours(5) };
        Assert.NotEqual(first.Key, NominationWorkflow.Next(moved, Now, [first.Key!]).Key);
    }

    [Fact]
    public void AReminderBeyondTheRecheckWaitsForTheRecheckFirst()
    {
        var plan = new NominationPlan(Now.AddDays(10), [TimeSpan.FromDays(1)], false, false, TimeSpan.FromMinutes(15));
        Assert.Equal(new NominationNext(NominationStepKind.Wait, Now.AddMinutes(15)), NominationWorkflow.Next(plan, Now, []));
        var close = Now.AddDays(9).AddMinutes(-10);
        var next = NominationWorkflow.Next(plan, close, []);
        Assert.Equal((NominationStepKind.Remind, Now.AddDays(9)), (next.Kind, next.At));
    }

    [Fact]
    public void UnreleasedQuotasHoldTheirSeatsLessTheApprovedAndReleasedOnesOnlyTheirPendingNominees()
    {
        QuotaEntity Quota(int seats, int held, int approved, bool released) => new() { Seats = seats, Held = held, Approved = approved, Released = released };
        Assert.Equal(0, NominationSeatHolds.Held([]));
        Assert.Equal(6, NominationSeatHolds.Held([Quota(4, 0, 0, false), Quota(2, 1, 0, false)]));
        Assert.Equal(5, NominationSeatHolds.Held([Quota(4, 2, 1, false), Quota(2, 1, 0, false)]));
        Assert.Equal(1, NominationSeatHolds.Held([Quota(4, 1, 1, true), Quota(2, 1, 0, true)]));
    }
}
