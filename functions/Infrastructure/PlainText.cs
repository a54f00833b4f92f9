using System.Text;

namespace TrainingCycles.Infrastructure;

/// <summary>
/// Free text people type (names, agencies, reasons) made plain before it is stored, shown or mailed: Unicode NFC,
/// no bidirectional controls (U+202E turned "Ahmad gnp.exe" into "Ahmad exe.png" on the dashboard), no zero-width
/// characters, no control characters, whitespace collapsed to single spaces. Hand-written: the BCL normalizes but
/// has no "strip format characters" call, and the list of characters is short and fixed.
/// </summary>
public static class PlainText
{
    /// <summary>One line of plain text, trimmed; at most <paramref name="maxLength"/> characters (never splitting a surrogate pair).</summary>
    public static string Line(string? value, int maxLength = 1000)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        var normalized = value.IsNormalized(NormalizationForm.FormC) ? value : TryNormalize(value);
        var builder = new StringBuilder(normalized.Length);
        var pendingSpace = false;
        foreach (var c in normalized)
        {
            if (IsInvisibleFormat(c))
            {
                continue;
            }

            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(c);
        }

        if (builder.Length > maxLength)
        {
            var cut = char.IsHighSurrogate(builder[maxLength - 1]) ? maxLength - 1 : maxLength;
            builder.Length = cut;
        }

        return builder.ToString().TrimEnd();
    }

    /// <summary>Bidirectional embedding/override/isolate marks, zero-width characters and the BOM.</summary>
    public static bool IsInvisibleFormat(char c) => c is '\u061C' or '\u200B' or '\u200C' or '\u200D' or '\u200E' or '\u200F' or '\u2060' or '\uFEFF'
        or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    private static string TryNormalize(string value)
    {
        try
        {
            return value.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            // Lone surrogates cannot be normalized: drop them.
            return new string([.. value.Where(c => !char.IsSurrogate(c))]);
        }
    }
}
