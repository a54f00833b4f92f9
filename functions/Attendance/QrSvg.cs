using System.Collections;
using System.Globalization;
using System.Text;
using QRCoder;

namespace TrainingCycles.Attendance;

/// <summary>
/// A QR code as inline SVG built from QRCoder's module matrix: one path, one sub-path per horizontal run of dark
/// modules, a white ground and a quiet zone of four modules. Inline, so it needs no image route and passes the
/// pages' CSP; vector, so it stays sharp on a projector.
/// </summary>
public static class QrSvg
{
    private const int QuietModules = 4;

    public static string Render(string text, string label, int sizePixels = 280)
    {
        var modules = Modules(text);
        var n = modules.Count;
        var full = n + (2 * QuietModules);
        var path = new StringBuilder(n * n);
        for (var row = 0; row < n; row++)
        {
            var start = -1;
            for (var col = 0; col <= n; col++)
            {
                var dark = col < n && modules[row][col];
                if (dark && start < 0)
                {
                    start = col;
                }
                else if (!dark && start >= 0)
                {
                    path.Append(CultureInfo.InvariantCulture, $"M{start + QuietModules} {row + QuietModules}h{col - start}v1h-{col - start}z");
                    start = -1;
                }
            }
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {full} {full}\" width=\"{sizePixels}\" height=\"{sizePixels}\" role=\"img\" aria-label=\"{System.Net.WebUtility.HtmlEncode(label)}\" shape-rendering=\"crispEdges\">" +
            $"<rect width=\"{full}\" height=\"{full}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>");
    }

    /// <summary>The symbol's modules without any border (QRCoder's own quiet zone, if it adds one, is trimmed).</summary>
    public static IReadOnlyList<BitArray> Modules(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var matrix = data.ModuleMatrix;
        var border = 0;
        while (border < matrix.Count / 2 && !RowHasDark(matrix[border], matrix.Count))
        {
            border++;
        }

        var size = matrix.Count - (2 * border);
        var result = new List<BitArray>(size);
        for (var row = 0; row < size; row++)
        {
            var slice = new BitArray(size);
            for (var col = 0; col < size; col++)
            {
                slice[col] = matrix[row + border][col + border];
            }

            result.Add(slice);
        }

        return result;
    }

    private static bool RowHasDark(BitArray row, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (row[i])
            {
                return true;
            }
        }

        return false;
    }
}
