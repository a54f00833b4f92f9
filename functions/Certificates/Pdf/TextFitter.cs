using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using PdfSharp.Drawing;
using PdfSharp.Fonts;

namespace TrainingCycles.Certificates.Pdf;

/// <summary>
/// How one block of text may be set: largest and smallest font size, width, lines and height it may take. Kept on one
/// line it shrinks no further than <see cref="SingleLineFloor"/> (default 80 % of the largest size); below that,
/// wrapping at a larger size reads better.
/// </summary>
internal sealed record TextSpec(
    XFontStyleEx Style,
    double MaxSize,
    double MinSize,
    double Width,
    int MaxLines,
    double MaxHeight,
    bool BreakAnywhere = false,
    double? SingleLineMin = null)
{
    public double SingleLineFloor => Math.Max(MinSize, SingleLineMin ?? MaxSize * 0.8);
}

/// <summary>Text set by <see cref="TextFitter.Fit"/>: a font and the lines to draw with it, one under the other.</summary>
internal sealed record FittedText(XFont? Font, IReadOnlyList<string> Lines, double LineHeight, double Ascent)
{
    public static readonly FittedText Empty = new(null, [], 0, 0);

    public double Height => Lines.Count * LineHeight;
}

/// <summary>
/// Fits arbitrary text into a box: first one line, shrinking the font down to the single-line floor; then word-wrapped
/// onto up to <see cref="TextSpec.MaxLines"/> lines, from the largest size down to the minimum; as a last resort the
/// minimum size with the last line cut short by an ellipsis. The result never exceeds the box.
/// </summary>
internal static class TextFitter
{
    private const double SizeStep = 0.5;
    private const string Ellipsis = "…";

    public static FittedText Fit(XGraphics gfx, string? text, TextSpec spec)
    {
        var probe = CreateFont(spec.Style, spec.MinSize);
        var clean = Sanitize(text, probe);
        if (clean.Length == 0)
        {
            return FittedText.Empty;
        }

        // One line: width grows linearly with the size, so one measurement predicts the size that fits; the loop
        // usually runs once, twice when rounding of glyph widths disagrees.
        var natural = Width(gfx, clean, CreateFont(spec.Style, spec.MaxSize));
        var predicted = Math.Floor(Math.Min(spec.MaxSize, spec.MaxSize * spec.Width / natural) / SizeStep) * SizeStep;
        for (var size = predicted; size >= spec.SingleLineFloor; size -= SizeStep)
        {
            var font = CreateFont(spec.Style, size);
            if (Width(gfx, clean, font) <= spec.Width && font.GetHeight() <= spec.MaxHeight)
            {
                return Result(font, [clean]);
            }
        }

        // Wrapped: the largest size on the 0.5 pt grid whose lines fit. Smaller sizes never need more lines, so a
        // binary search over the grid finds it.
        var steps = (int)Math.Floor((spec.MaxSize - spec.MinSize) / SizeStep);
        (XFont Font, List<string> Lines)? best = null;
        var (low, high) = (0, steps);
        while (low <= high)
        {
            var mid = (low + high) / 2;
            var font = CreateFont(spec.Style, spec.MaxSize - (mid * SizeStep));
            var lines = Wrap(gfx, clean, font, spec.Width, spec.BreakAnywhere);
            if (lines.Count <= spec.MaxLines && lines.Count * font.GetHeight() <= spec.MaxHeight)
            {
                best = (font, lines);
                high = mid - 1;
            }
            else
            {
                low = mid + 1;
            }
        }

        if (best is { } fitted)
        {
            return Result(fitted.Font, fitted.Lines);
        }

        var smallest = CreateFont(spec.Style, spec.MinSize);
        var maxLines = Math.Max(1, Math.Min(spec.MaxLines, (int)Math.Floor(spec.MaxHeight / smallest.GetHeight())));
        var wrapped = Wrap(gfx, clean, smallest, spec.Width, spec.BreakAnywhere);
        if (wrapped.Count <= maxLines)
        {
            return Result(smallest, wrapped);
        }

        var kept = wrapped.Take(maxLines).ToList();
        kept[^1] = Truncate(gfx, kept[^1], smallest, spec.Width);
        return Result(smallest, kept);
    }

    /// <summary>
    /// One <see cref="XFont"/> per style and size for the process: fitting tries many sizes per text, and creating an
    /// XFont takes PDFsharp's global font lock (the #24 profile put ~10 % of a render there). Sizes step by
    /// <see cref="SizeStep"/> between the specs' bounds, so the cache stays a few hundred entries. An XFont is immutable
    /// once made and is not tied to a document (each document maps it to its own embedded font), so sharing is safe.
    /// </summary>
    public static XFont CreateFont(XFontStyleEx style, double size) => Fonts.GetOrAdd((style, size), static key => new(CertificateFonts.Family, key.Size, key.Style));

    private static readonly ConcurrentDictionary<(XFontStyleEx Style, double Size), XFont> Fonts = new();

    /// <summary>
    /// Makes untrusted text printable: composes combining marks (NFC), turns line breaks and other control characters
    /// into spaces, drops invisible format characters and anything the font has no glyph for (emoji), and collapses
    /// runs of spaces. Characters are only ever dropped, never reinterpreted.
    /// </summary>
    public static string Sanitize(string? text, XFont font)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var rune in WellFormed(text).Normalize(NormalizationForm.FormC).EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsWhiteSpace(rune) || category is UnicodeCategory.Control or UnicodeCategory.LineSeparator
                    or UnicodeCategory.ParagraphSeparator)
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (category is UnicodeCategory.Format or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate
                    or UnicodeCategory.OtherNotAssigned
                || GlyphHelper.GlyphIndexFromCodePoint(rune.Value, font) == 0)
            {
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(rune.ToString());
        }

        return builder.ToString();
    }

    /// <summary>For document metadata: well-formed, NFC, one line, no control or format characters.</summary>
    public static string Plain(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return string.Empty;
        }

        var runes = WellFormed(text).Normalize(NormalizationForm.FormC).EnumerateRunes()
            .Where(r => Rune.GetUnicodeCategory(r) is not (UnicodeCategory.Format or UnicodeCategory.PrivateUse))
            .Select(r => Rune.IsWhiteSpace(r) || Rune.IsControl(r) ? " " : r.ToString());
        return string.Join(' ', string.Concat(runes).Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Drops unpaired surrogates and unassigned code points, which <see cref="string.Normalize()"/> rejects.</summary>
    private static string WellFormed(string text)
    {
        var builder = new StringBuilder(text.Length);
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            var status = Rune.DecodeFromUtf16(rest, out var rune, out var consumed);
            if (status == OperationStatus.Done && Rune.GetUnicodeCategory(rune) != UnicodeCategory.OtherNotAssigned)
            {
                builder.Append(rest[..consumed]);
            }

            rest = rest[consumed..];
        }

        return builder.ToString();
    }

    private static FittedText Result(XFont font, IReadOnlyList<string> lines) =>
        new(font, lines, font.GetHeight(), font.Size * font.CellAscent / font.Metrics.UnitsPerEm);

    private static double Width(XGraphics gfx, string text, XFont font) => gfx.MeasureString(text, font).Width;

    private static List<string> Wrap(XGraphics gfx, string text, XFont font, double width, bool breakAnywhere)
    {
        var lines = new List<string>();
        var words = breakAnywhere ? [text] : text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var line = string.Empty;
        foreach (var word in words)
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (Width(gfx, candidate, font) <= width)
            {
                line = candidate;
                continue;
            }

            if (line.Length > 0)
            {
                lines.Add(line);
            }

            line = word;
            // A word wider than the whole line (a URL, a run of letters without spaces) is split between characters.
            while (Width(gfx, line, font) > width)
            {
                var head = LongestFittingPrefix(gfx, line, font, width);
                lines.Add(head);
                line = line[head.Length..];
            }
        }

        if (line.Length > 0)
        {
            lines.Add(line);
        }

        return lines;
    }

    /// <summary>The longest prefix, in whole text elements (so a letter keeps its combining marks), that fits; at least one.</summary>
    private static string LongestFittingPrefix(XGraphics gfx, string text, XFont font, double width)
    {
        var boundaries = StringInfo.ParseCombiningCharacters(text);
        var best = boundaries.Length > 1 ? boundaries[1] : text.Length;
        for (var i = 2; i <= boundaries.Length; i++)
        {
            var end = i < boundaries.Length ? boundaries[i] : text.Length;
            if (Width(gfx, text[..end], font) > width)
            {
                break;
            }

            best = end;
        }

        return text[..best];
    }

    private static string Truncate(XGraphics gfx, string line, XFont font, double width)
    {
        var text = line;
        while (text.Length > 0 && Width(gfx, text + Ellipsis, font) > width)
        {
            var boundaries = StringInfo.ParseCombiningCharacters(text);
            text = text[..boundaries[^1]].TrimEnd();
        }

        return text + Ellipsis;
    }
}
