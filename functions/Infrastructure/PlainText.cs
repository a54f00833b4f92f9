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

        var normalized = Normalize(value);
        var builder = new StringBuilder(normalized.Length);
        var pendingSpace = false;
        for (var i = 0; i < normalized.Length; i++)
        {
            var c = normalized[i];
            var pair = char.IsHighSurrogate(c) && i + 1 < normalized.Length && char.IsLowSurrogate(normalized[i + 1]);
            if (IsInvisibleFormat(c) || (char.IsSurrogate(c) && !pair))
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
            if (pair)
            {
                builder.Append(normalized[++i]);
            }
        }

        if (builder.Length > maxLength)
        {
            var cut = char.IsHighSurrogate(builder[maxLength - 1]) ? maxLength - 1 : maxLength;
            builder.Length = cut;
        }

        return builder.ToString().TrimEnd();
    }

    /// <summary>Noncharacters (U+FDD0–U+FDEF, U+FFFE, U+FFFF): never text, and they make normalization throw.</summary>
    public static bool IsNoncharacter(char c) => c is (>= '\uFDD0' and <= '\uFDEF') or '\uFFFE' or '\uFFFF';

    /// <summary>Bidirectional embedding/override/isolate marks, zero-width characters and the BOM.</summary>
    public static bool IsInvisibleFormat(char c) => IsNoncharacter(c) || c is '\u061C' or '\u200B' or '\u200C' or '\u200D' or '\u200E' or '\u200F' or '\u2060' or '\uFEFF'
        or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    private static string Normalize(string value)
    {
        try
        {
            return value.IsNormalized(NormalizationForm.FormC) ? value : value.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            // Lone surrogates cannot be normalized: drop them (pairs stay), then normalize what is left.
            var kept = new StringBuilder(value.Length);
            for (var i = 0; i < value.Length; i++)
            {
                if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    kept.Append(value[i]).Append(value[++i]);
                }
                else if (!char.IsSurrogate(value[i]) && !IsNoncharacter(value[i]))
                {
                    kept.Append(value[i]);
                }
            }

            var cleaned = kept.ToString();
            try
            {
                return cleaned.Normalize(NormalizationForm.FormC);
            }
            catch (ArgumentException)
            {
                return cleaned;
            }
        }
    }
}
