using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Evaluation;

/// <summary>The fixed rating items (1–5) of a session and of the organisation, and the comment's bound.</summary>
public static class Ratings
{
    public const string Organisation = "org";

    /// <summary>The follow-up survey months after completion (the alumnus's answer).</summary>
    public const string FollowUp = "followup";

    /// <summary>The follow-up survey's superior (atasan langsung) about the alumnus: level 3, did the person's work change.</summary>
    public const string FollowUpSuperior = "followup-superior";
    public const int MaxCommentLength = 1000;

    public static readonly IReadOnlyList<string> SessionItems =
        [nameof(Texts.Eval_Item_Relevance), nameof(Texts.Eval_Item_Mastery), nameof(Texts.Eval_Item_Delivery), nameof(Texts.Eval_Item_Time), nameof(Texts.Eval_Item_Usefulness)];

    public static readonly IReadOnlyList<string> OrganisationItems =
        [nameof(Texts.Eval_Item_Service), nameof(Texts.Eval_Item_Facilities), nameof(Texts.Eval_Item_Schedule), nameof(Texts.Eval_Item_Overall)];

    public static readonly IReadOnlyList<string> FollowUpItems =
        [nameof(Texts.Eval_Item_Applied), nameof(Texts.Eval_Item_Performance), nameof(Texts.Eval_Item_StillRelevant)];

    public static readonly IReadOnlyList<string> SuperiorItems =
        [nameof(Texts.Eval_Item_Sup_Applied), nameof(Texts.Eval_Item_Sup_Performance), nameof(Texts.Eval_Item_Sup_Recommend)];

    /// <summary>The follow-up targets, each answered with its own personal link (token purpose).</summary>
    public static bool IsFollowUp(string target) => target is FollowUp or FollowUpSuperior;

    public static IReadOnlyList<string> ItemsOf(string target) => target switch
    {
        Organisation => OrganisationItems,
        FollowUp => FollowUpItems,
        FollowUpSuperior => SuperiorItems,
        _ => SessionItems,
    };

    /// <summary>The instructor named for a session in the definition (ids are generated as s1, s2… when omitted).</summary>
    public static string? InstructorOf(CycleDefinition definition, string sessionId)
    {
        var sessions = definition.Sessions ?? [];
        for (var i = 0; i < sessions.Count; i++)
        {
            if ((string.IsNullOrWhiteSpace(sessions[i].Id) ? $"s{i + 1}" : sessions[i].Id!.Trim()) == sessionId)
            {
                return string.IsNullOrWhiteSpace(sessions[i].Instructor) ? null : sessions[i].Instructor!.Trim();
            }
        }

        return null;
    }
}

public sealed record QuestionResult(string Id, string Text, int Points, int Answered, int Correct, decimal PercentCorrect);

public sealed record TestResult(string Kind, int Submitted, decimal? AveragePercent, IReadOnlyList<int> Distribution, IReadOnlyList<QuestionResult> Questions);

public sealed record PersonResult(string ParticipantId, string? RegistrationNumber, string? Name, decimal? Pre, decimal? Post, decimal? Gain);

public sealed record CohortGain(int WithBoth, decimal? AveragePre, decimal? AveragePost, decimal? AverageGain);

public sealed record ItemResult(string Key, string Label, string LabelEn, decimal? Average, IReadOnlyList<int> Distribution);

public sealed record TargetResult(string Target, string Title, string? Instructor, int Count, decimal? Average, IReadOnlyList<ItemResult> Items, IReadOnlyList<string> Comments);

public sealed record InstructorResult(string Instructor, IReadOnlyList<string> Sessions, int Count, decimal? Average);

/// <summary>Pure aggregation of attempts and ratings into the figures BPSDMs report. Comments carry no names.</summary>
public static class EvaluationReport
{
    /// <summary>Score distribution in five bands: 0–&lt;20, 20–&lt;40, 40–&lt;60, 60–&lt;80, 80–100.</summary>
    public static IReadOnlyList<int> Bands(IEnumerable<decimal> percents)
    {
        var bands = new int[5];
        foreach (var p in percents)
        {
            bands[Math.Clamp((int)(p / 20), 0, 4)]++;
        }

        return bands;
    }

    public static TestResult Test(string kind, TestDefinition? test, IReadOnlyList<AttemptEntity> attempts)
    {
        var submitted = attempts.Where(a => a.SubmittedAt is not null).ToList();
        var percents = submitted.Select(a => (decimal)a.Percent).ToList();
        var questions = (test?.Questions ?? []).Select(q =>
        {
            var answered = submitted.Count(a => EvaluationStore.Answers(a).ContainsKey(q.Id));
            var correct = submitted.Count(a => a.CorrectIds.Split(',').Contains(q.Id, StringComparer.Ordinal));
            return new QuestionResult(q.Id, q.Text, q.Points, answered, correct, submitted.Count == 0 ? 0 : Math.Round(100m * correct / submitted.Count, 1));
        }).ToList();
        return new TestResult(kind, submitted.Count, percents.Count == 0 ? null : Math.Round(percents.Average(), 2), Bands(percents), questions);
    }

    public static (IReadOnlyList<PersonResult> People, CohortGain Cohort) Gain(IReadOnlyList<AttemptEntity> pre, IReadOnlyList<AttemptEntity> post, IReadOnlyList<ParticipantEntity> participants)
    {
        static Dictionary<string, decimal> Scores(IEnumerable<AttemptEntity> a) =>
            a.Where(x => x.SubmittedAt is not null).ToDictionary(x => x.ParticipantId, x => (decimal)x.Percent, StringComparer.Ordinal);
        var before = Scores(pre);
        var after = Scores(post);
        var byId = participants.ToDictionary(p => p.RowKey, StringComparer.Ordinal);
        var people = before.Keys.Union(after.Keys).Order(StringComparer.Ordinal).Select(id =>
        {
            decimal? b = before.TryGetValue(id, out var x) ? x : null;
            decimal? a = after.TryGetValue(id, out var y) ? y : null;
            byId.TryGetValue(id, out var p);
            return new PersonResult(id, p?.RegistrationNumber, p?.FullName, b, a, TestRules.Gain(b, a));
        }).OrderBy(p => p.RegistrationNumber, StringComparer.Ordinal).ToList();
        var both = people.Where(p => p.Gain is not null).ToList();
        return (people, both.Count == 0
            ? new CohortGain(0, null, null, null)
            : new CohortGain(both.Count, Math.Round(both.Average(p => p.Pre!.Value), 2), Math.Round(both.Average(p => p.Post!.Value), 2), Math.Round(both.Average(p => p.Gain!.Value), 2)));
    }

    public static (IReadOnlyList<TargetResult> Targets, IReadOnlyList<InstructorResult> Instructors) Ratings(CycleRecord cycle, IReadOnlyList<RatingEntity> ratings)
    {
        var targets = cycle.Schedule.Sessions.Select(s => (Id: s.Id, s.Title, Instructor: Evaluation.Ratings.InstructorOf(cycle.Definition, s.Id)))
            .Append((Id: Evaluation.Ratings.Organisation, Title: Text.Both(nameof(Texts.Eval_Rate_Organisation)).Id, Instructor: (string?)null))
            .Append((Id: Evaluation.Ratings.FollowUp, Title: Text.Both(nameof(Texts.Eval_Rate_FollowUp)).Id, Instructor: (string?)null))
            .Append((Id: Evaluation.Ratings.FollowUpSuperior, Title: Text.Both(nameof(Texts.Eval_Rate_FollowUpSuperior)).Id, Instructor: (string?)null))
            .Select(t => Target(t.Id, t.Title, t.Instructor, ratings.Where(r => r.Target == t.Id).ToList()))
            .ToList();
        var instructors = targets.Where(t => t.Instructor is not null).GroupBy(t => t.Instructor!, StringComparer.Ordinal).Select(g =>
        {
            var rows = ratings.Where(r => g.Any(t => t.Target == r.Target)).ToList();
            var all = rows.SelectMany(Scores).ToList();
            return new InstructorResult(g.Key, [.. g.Select(t => t.Title)], rows.Count, all.Count == 0 ? null : Math.Round((decimal)all.Average(), 2));
        }).OrderBy(i => i.Instructor, StringComparer.Ordinal).ToList();
        return (targets, instructors);
    }

    public static TargetResult Target(string target, string title, string? instructor, IReadOnlyList<RatingEntity> rows)
    {
        var keys = Evaluation.Ratings.ItemsOf(target);
        var items = keys.Select((key, i) =>
        {
            var values = rows.Select(r => Scores(r)).Where(s => s.Count > i).Select(s => s[i]).ToList();
            var distribution = Enumerable.Range(1, 5).Select(v => values.Count(x => x == v)).ToList();
            var (label, labelEn) = Text.Both(key);
            return new ItemResult(key, label, labelEn, values.Count == 0 ? null : Math.Round((decimal)values.Average(), 2), distribution);
        }).ToList();
        var all = rows.SelectMany(Scores).ToList();

        // Comments without names, in no particular order of people (sorted by text, not by who or when).
        var comments = rows.Select(r => r.Comment).Where(c => c.Length > 0).Order(StringComparer.Ordinal).ToList();
        return new TargetResult(target, title, instructor, rows.Count, all.Count == 0 ? null : Math.Round((decimal)all.Average(), 2), items, comments);
    }

    public static IReadOnlyList<int> Scores(RatingEntity rating) =>
        [.. rating.Scores.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.TryParse(s, out var v) ? v : 0)];
}
