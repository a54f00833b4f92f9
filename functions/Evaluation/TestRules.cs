using System.Globalization;
using System.Text.RegularExpressions;
using CsvHelper;
using CsvHelper.Configuration;
using NodaTime;
using NodaTime.Text;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Evaluation;

/// <summary>
/// The pure rules of a test: what a valid definition is (JSON or CSV), its default window (pre: until the first session
/// starts; post: from the last session's start for 7 days) and how an attempt is scored. No I/O.
/// </summary>
public static partial class TestRules
{
    public const int MaxQuestions = 100;
    public const int MaxOptions = 6;
    public const int MaxQuestionText = 500;
    public const int MaxOptionText = 200;
    public const int MaxPointsPerQuestion = 100;
    public const int MaxTimeLimitMinutes = 600;

    /// <summary>How long the pre-test is open by default before the first session, and the post-test after the last one starts.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(7);

    public static (TestDefinition? Test, IReadOnlyList<FieldError> Errors) Validate(string kind, TestDefinitionRequest? request, CycleSchedule schedule)
    {
        var errors = new List<FieldError>();
        if (request?.Questions is not { Count: > 0 } questions)
        {
            errors.Add(FieldError.Of("questions", nameof(Texts.Field_Test_NoQuestions)));
            return (null, errors);
        }

        if (questions.Count > MaxQuestions)
        {
            errors.Add(FieldError.Of("questions", nameof(Texts.Field_Test_TooManyQuestions), MaxQuestions));
            return (null, errors);
        }

        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(schedule.TimeZone);
        var opensAt = request.OpensAt is null ? (kind == TestKinds.Pre ? schedule.TrainingStartsAt - DefaultWindow : schedule.Sessions[^1].StartsAt) : Time(request.OpensAt, "opensAt", zone, errors);
        var closesAt = request.ClosesAt is null ? (kind == TestKinds.Pre ? schedule.TrainingStartsAt : schedule.Sessions[^1].StartsAt + DefaultWindow) : Time(request.ClosesAt, "closesAt", zone, errors);
        if (opensAt is { } o && closesAt is { } c)
        {
            if (c <= o)
            {
                errors.Add(FieldError.Of("closesAt", nameof(Texts.Field_Test_WindowOrder)));
            }
            else if (kind == TestKinds.Pre && c > schedule.TrainingStartsAt)
            {
                errors.Add(FieldError.Of("closesAt", nameof(Texts.Field_Test_PreAfterStart)));
            }
            else if (kind == TestKinds.Post && o < schedule.Sessions[^1].StartsAt)
            {
                errors.Add(FieldError.Of("opensAt", nameof(Texts.Field_Test_PostBeforeLast)));
            }
        }

        if (request.TimeLimitMinutes is { } limit && (limit < 1 || limit > MaxTimeLimitMinutes))
        {
            errors.Add(FieldError.Of("timeLimitMinutes", nameof(Texts.Field_Test_TimeLimit), MaxTimeLimitMinutes));
        }

        var list = new List<TestQuestion>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < questions.Count; i++)
        {
            var q = questions[i];
            var field = $"questions[{i}]";
            var id = string.IsNullOrWhiteSpace(q?.Id) ? $"q{i + 1}" : q.Id.Trim();
            if (!QuestionId().IsMatch(id) || !ids.Add(id))
            {
                errors.Add(FieldError.Of(field + ".id", nameof(Texts.Field_Test_QuestionId), i + 1));
                continue;
            }

            var text = PlainText.Line(q!.Text, MaxQuestionText + 1);
            if (text.Length == 0 || text.Length > MaxQuestionText)
            {
                errors.Add(FieldError.Of(field + ".text", nameof(Texts.Field_Test_QuestionText), i + 1, MaxQuestionText));
                continue;
            }

            var type = (q.Type ?? QuestionTypes.Choice).Trim().ToLowerInvariant();
            IReadOnlyList<string> options;
            int answer;
            if (type is QuestionTypes.TrueFalse or "true/false" or "benar/salah" or "bs")
            {
                type = QuestionTypes.TrueFalse;
                options = [];
                answer = q.Correct is { } correct ? (correct ? 0 : 1) : q.Answer ?? -1;
                if (answer is not (0 or 1))
                {
                    errors.Add(FieldError.Of(field + ".answer", nameof(Texts.Field_Test_TrueFalseAnswer), i + 1));
                    continue;
                }
            }
            else if (type is QuestionTypes.Choice or "pg" or "pilihan")
            {
                type = QuestionTypes.Choice;
                options = [.. (q.Options ?? []).Select(o => PlainText.Line(o, MaxOptionText + 1))];
                if (options.Count < 2 || options.Count > MaxOptions || options.Any(o => o.Length == 0 || o.Length > MaxOptionText))
                {
                    errors.Add(FieldError.Of(field + ".options", nameof(Texts.Field_Test_Options), i + 1, MaxOptions, MaxOptionText));
                    continue;
                }

                answer = q.Answer ?? -1;
                if (answer < 0 || answer >= options.Count)
                {
                    errors.Add(FieldError.Of(field + ".answer", nameof(Texts.Field_Test_ChoiceAnswer), i + 1, options.Count));
                    continue;
                }
            }
            else
            {
                errors.Add(FieldError.Of(field + ".type", nameof(Texts.Field_Test_Type), i + 1));
                continue;
            }

            var points = q.Points ?? 1;
            if (points < 0 || points > MaxPointsPerQuestion)
            {
                errors.Add(FieldError.Of(field + ".points", nameof(Texts.Field_Test_Points), i + 1, MaxPointsPerQuestion));
                continue;
            }

            list.Add(new TestQuestion(id, type, text, options, answer, points));
        }

        if (errors.Count == 0 && list.Sum(q => q.Points) == 0)
        {
            errors.Add(FieldError.Of("questions", nameof(Texts.Field_Test_NoPoints)));
        }

        return errors.Count > 0 ? (null, errors) : (new TestDefinition(kind, opensAt!.Value, closesAt!.Value, request.TimeLimitMinutes, list), errors);
    }

    /// <summary>
    /// Reads questions from CSV (comma or semicolon, as spreadsheets save it): header
    /// <c>id,type,text,points,answer,option1…option6</c>; <c>answer</c> is the correct option's number (1-based) for
    /// multiple choice, <c>benar</c>/<c>salah</c> (or true/false) for true/false. Returns null with an error when the
    /// file cannot be read as such a table.
    /// </summary>
    public static (IReadOnlyList<TestQuestionRequest>? Questions, FieldError? Error) ParseCsv(string text)
    {
        var firstLine = text.Split('\n', 2)[0];
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Delimiter = firstLine.Count(ch => ch == ';') > firstLine.Count(ch => ch == ',') ? ";" : ",",
            PrepareHeaderForMatch = a => a.Header.Trim().ToLowerInvariant(),
            MissingFieldFound = null,
            HeaderValidated = null,
            BadDataFound = null,
        };
        try
        {
            using var reader = new StringReader(text.TrimStart('\uFEFF'));
            using var csv = new CsvReader(reader, config);
            if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { } header || !header.Any(h => h.Trim().Equals("text", StringComparison.OrdinalIgnoreCase)))
            {
                return (null, FieldError.Of("csv", nameof(Texts.Field_Test_CsvHeader)));
            }

            var list = new List<TestQuestionRequest>();
            var row = 1;
            while (csv.Read())
            {
                row++;
                if (list.Count >= MaxQuestions)
                {
                    return (null, FieldError.Of("csv", nameof(Texts.Field_Test_TooManyQuestions), MaxQuestions));
                }

                var type = (csv.GetField("type") ?? "").Trim().ToLowerInvariant();
                var answerText = (csv.GetField("answer") ?? "").Trim().ToLowerInvariant();
                var options = Enumerable.Range(1, MaxOptions).Select(n => csv.GetField($"option{n}") ?? "").Where(o => o.Trim().Length > 0).ToList();
                int? points = int.TryParse(csv.GetField("points"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : string.IsNullOrWhiteSpace(csv.GetField("points")) ? null : -1;
                bool? correct = answerText switch { "benar" or "true" or "b" => true, "salah" or "false" or "s" => false, _ => null };
                int? answer = int.TryParse(answerText, NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a - 1 : null;
                var isTrueFalse = type is QuestionTypes.TrueFalse or "true/false" or "benar/salah" or "bs" || (type.Length == 0 && correct is not null);
                list.Add(new TestQuestionRequest
                {
                    Id = csv.GetField("id"),
                    Type = isTrueFalse ? QuestionTypes.TrueFalse : QuestionTypes.Choice,
                    Text = csv.GetField("text"),
                    Points = points,
                    Options = isTrueFalse ? null : options,
                    Answer = isTrueFalse ? null : answer ?? -1,
                    Correct = isTrueFalse ? correct : null,
                });
            }

            return list.Count == 0 ? (null, FieldError.Of("csv", nameof(Texts.Field_Test_NoQuestions))) : (list, null);
        }
        catch (CsvHelperException)
        {
            return (null, FieldError.Of("csv", nameof(Texts.Field_Test_CsvHeader)));
        }
    }

    /// <summary>The options a participant sees: the organizer's, or Benar/Salah (True/False) for true/false.</summary>
    public static IReadOnlyList<string> OptionsOf(TestQuestion question, string lang) =>
        question.Type == QuestionTypes.TrueFalse ? [Text.Get(lang, nameof(Texts.Eval_True)), Text.Get(lang, nameof(Texts.Eval_False))] : question.Options;

    public static int OptionCount(TestQuestion question) => question.Type == QuestionTypes.TrueFalse ? 2 : question.Options.Count;

    /// <summary>Scores answers (question id → option index); unanswered and unknown ids score nothing.</summary>
    public static TestScore Score(TestDefinition test, IReadOnlyDictionary<string, int> answers)
    {
        var correct = test.Questions.Where(q => answers.TryGetValue(q.Id, out var a) && a == q.Answer).ToList();
        var points = correct.Sum(q => q.Points);
        var max = test.MaxPoints;
        var percent = max == 0 ? 0m : Math.Round(100m * points / max, 2, MidpointRounding.AwayFromZero);
        return new TestScore(points, max, percent, [.. correct.Select(q => q.Id)]);
    }

    /// <summary>Learning gain in percentage points (post − pre); null when either is missing.</summary>
    public static decimal? Gain(decimal? pre, decimal? post) => pre is { } a && post is { } b ? b - a : null;

    private static DateTimeOffset? Time(string value, string field, DateTimeZone? zone, List<FieldError> errors)
    {
        var trimmed = value.Trim();
        var withOffset = OffsetDateTimePattern.ExtendedIso.Parse(trimmed);
        if (withOffset.Success)
        {
            return withOffset.Value.ToInstant().ToDateTimeOffset();
        }

        var local = LocalDateTimePattern.ExtendedIso.Parse(trimmed);
        if (local.Success && zone is not null)
        {
            return local.Value.InZoneLeniently(zone).ToInstant().ToDateTimeOffset();
        }

        errors.Add(FieldError.Of(field, nameof(Texts.Field_Cycle_TimeInvalid), trimmed.Length <= 40 ? trimmed : trimmed[..40] + "…"));
        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9-]{1,20}$")]
    private static partial Regex QuestionId();
}

public sealed record TestScore(int Points, int MaxPoints, decimal Percent, IReadOnlyList<string> CorrectIds);
