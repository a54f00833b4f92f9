using PdfSharp.Pdf.IO;
using TrainingCycles.Cycles;

namespace TrainingCycles.Nomination;

/// <summary>The cycle's nomination settings as the code reads them.</summary>
public static class NominationRules
{
    /// <summary>When nominating ends: the definition's deadline, else when registration closes.</summary>
    public static DateTimeOffset Deadline(CycleRecord cycle) =>
        cycle.Definition.Nomination?.Deadline is { } text && CycleDefinitionValidator.ParseTime(text, cycle.Schedule.TimeZone) is { } at
            ? at
            : cycle.RegistrationClosesAt;

    public static IReadOnlyList<TimeSpan> Reminders(CycleRecord cycle) =>
        CycleDefinitionValidator.ParseOffsets(cycle.Definition.Nomination?.RemindersBeforeDeadline);

    public static bool ReleasesToWaitlist(CycleRecord cycle) =>
        (cycle.Definition.Nomination?.ReleaseTo ?? NominationSettings.ReleaseToWaitlist) == NominationSettings.ReleaseToWaitlist;
}

public enum LetterProblem
{
    None,
    Empty,
    TooLarge,
    NotPdf,
    Unreadable,
}

/// <summary>A surat tugas upload is judged by its bytes, never its name or declared type: the PDF signature at the start,
/// the end-of-file marker near the end, and a parse that finds at least one page.</summary>
public static class LetterCheck
{
    public const int MaxBytes = 2 * 1024 * 1024;

    public static (LetterProblem Problem, int Pages) Check(byte[] content)
    {
        if (content.Length == 0)
        {
            return (LetterProblem.Empty, 0);
        }

        if (content.Length > MaxBytes)
        {
            return (LetterProblem.TooLarge, 0);
        }

        var tail = content.AsSpan(Math.Max(0, content.Length - 1024));
        if (!content.AsSpan().StartsWith("%PDF-"u8) || tail.IndexOf("%%EOF"u8) < 0)
        {
            return (LetterProblem.NotPdf, 0);
        }

        try
        {
            using var document = PdfReader.Open(new MemoryStream(content, writable: false), PdfDocumentOpenMode.Import);
            return document.PageCount > 0 ? (LetterProblem.None, document.PageCount) : (LetterProblem.Unreadable, 0);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Broken, encrypted or otherwise unreadable: an organizer could not read it either.
            return (LetterProblem.Unreadable, 0);
        }
    }
}
