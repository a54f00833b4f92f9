using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Evaluation;

/// <summary>
/// The ratings report as CSV (UTF-8 with BOM, invariant decimal point, formula-safe cells): one row per target × item
/// with count, average and the counts of 1..5; or (<c>part=comments</c>) the comments per target, without names.
/// </summary>
public static class RatingsCsv
{
    public const string Comments = "comments";

    /// <summary>"session", "organisation", "followup" or "followup-superior".</summary>
    public static string KindOf(string target) => target switch
    {
        Ratings.Organisation => "organisation",
        Ratings.FollowUp => Ratings.FollowUp,
        Ratings.FollowUpSuperior => Ratings.FollowUpSuperior,
        _ => "session",
    };

    /// <summary>A session's title as scheduled; the other targets' titles in <paramref name="lang"/>.</summary>
    public static string TitleOf(TargetResult t, string lang) => t.Target switch
    {
        Ratings.Organisation => Text.Get(lang, nameof(Texts.Eval_Rate_Organisation)),
        Ratings.FollowUp => Text.Get(lang, nameof(Texts.Eval_Rate_FollowUp)),
        Ratings.FollowUpSuperior => Text.Get(lang, nameof(Texts.Eval_Rate_FollowUpSuperior)),
        _ => t.Title,
    };

    public static byte[] Items(IReadOnlyList<TargetResult> targets, string lang) => Write(
        ["target_kind", "target_id", "title", "instructor", "item", "count", "average", "n1", "n2", "n3", "n4", "n5"],
        targets.SelectMany(t => t.Items.Select(i => (IReadOnlyList<string>)
        [
            KindOf(t.Target), Safe(t.Target), Safe(TitleOf(t, lang)), Safe(t.Instructor), Safe(lang == "en" ? i.LabelEn : i.Label),
            i.Distribution.Sum().ToString(CultureInfo.InvariantCulture), i.Average?.ToString("0.##", CultureInfo.InvariantCulture) ?? "",
            .. i.Distribution.Select(n => n.ToString(CultureInfo.InvariantCulture)),
        ])));

    /// <summary>The comments, per target, in the report's order (sorted by text): no participant, no time.</summary>
    public static byte[] CommentRows(IReadOnlyList<TargetResult> targets, string lang) => Write(
        ["target_kind", "target_id", "title", "comment"],
        targets.SelectMany(t => t.Comments.Select(c => (IReadOnlyList<string>)[KindOf(t.Target), Safe(t.Target), Safe(TitleOf(t, lang)), Safe(c)])));

    private static string Safe(string? value) => ParticipantFunctions.FormulaSafe(value);

    private static byte[] Write(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { InjectionOptions = InjectionOptions.None };
        using var buffer = new MemoryStream();
        using (var writer = new StreamWriter(buffer, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)))
        using (var csv = new CsvWriter(writer, config))
        {
            foreach (var row in rows.Prepend(header))
            {
                foreach (var cell in row)
                {
                    csv.WriteField(cell);
                }

                csv.NextRecord();
            }
        }

        return buffer.ToArray();
    }
}
