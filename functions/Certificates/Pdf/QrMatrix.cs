using System.Collections;
using PdfSharp.Drawing;
using QRCoder;
using QRCoder.Exceptions;

namespace TrainingCycles.Certificates.Pdf;

/// <summary>
/// Draws a QR code as vector rectangles (one per horizontal run of dark modules, so renderers leave no seams),
/// with the standard quiet zone of four modules on a white ground. Vector output stays sharp at any print size
/// and needs no image decoder.
/// </summary>
internal static class QrMatrix
{
    private const int QuietModules = 4;

    /// <summary>Draws the code, quiet zone included, in the top-left square of <paramref name="area"/>; returns the symbol's own bounds.</summary>
    public static XRect Draw(XGraphics gfx, string text, XRect area)
    {
        var modules = Modules(text);
        var count = modules.Count + (2 * QuietModules);
        var size = Math.Min(area.Width, area.Height) / count;
        var left = area.X + (QuietModules * size);
        var top = area.Y + (QuietModules * size);

        gfx.DrawRectangle(XBrushes.White, area.X, area.Y, count * size, count * size);
        var runs = new List<XRect>();
        for (var row = 0; row < modules.Count; row++)
        {
            var start = -1;
            for (var col = 0; col <= modules.Count; col++)
            {
                var dark = col < modules.Count && modules[row][col];
                if (dark && start < 0)
                {
                    start = col;
                }
                else if (!dark && start >= 0)
                {
                    runs.Add(new XRect(left + (start * size), top + (row * size), (col - start) * size, size));
                    start = -1;
                }
            }
        }

        gfx.DrawRectangles(XBrushes.Black, [.. runs]);
        return new XRect(left, top, modules.Count * size, modules.Count * size);
    }

    /// <summary>The code's modules, square, without any quiet zone (QRCoder's own border, if any, is trimmed).</summary>
    private static List<BitArray> Modules(string text)
    {
        List<BitArray> matrix;
        try
        {
            using var generator = new QRCodeGenerator();
            using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
            matrix = data.ModuleMatrix;
        }
        catch (DataTooLongException e)
        {
            throw new ArgumentException("The verification URL is too long for a QR code.", nameof(text), e);
        }

        var first = 0;
        while (first < matrix.Count / 2 && IsBlank(matrix, first))
        {
            first++;
        }

        var n = matrix.Count - (2 * first);
        return [.. matrix.Skip(first).Take(n).Select(row => Slice(row, first, n))];
    }

    // QRCoder's border is the same width on all four sides, so a blank top row means a blank first column too.
    private static bool IsBlank(List<BitArray> matrix, int index)
    {
        for (var col = 0; col < matrix.Count; col++)
        {
            if (matrix[index][col])
            {
                return false;
            }
        }

        return true;
    }

    private static BitArray Slice(BitArray row, int from, int length)
    {
        var slice = new BitArray(length);
        for (var i = 0; i < length; i++)
        {
            slice[i] = row[from + i];
        }

        return slice;
    }
}
