using System.Buffers.Binary;
using PdfSharp.Pdf.IO;

namespace TrainingCycles.Attendance;

public enum EvidenceProblem
{
    None,
    Empty,
    TooLarge,
    NotPdfOrImage,
    Unreadable,
}

/// <summary>
/// An excused-absence evidence file (a doctor's note, a surat tugas) judged by its content, never by its name or
/// Content-Type: the magic bytes say PDF, PNG or JPEG, and the file must then parse as one (PDF opened with PDFsharp;
/// PNG's IHDR first and IEND last; JPEG's start and end markers with a frame header between).
/// </summary>
public static class EvidenceCheck
{
    public const int MaxBytes = 5 * 1024 * 1024;

    public static (EvidenceProblem Problem, string? ContentType) Check(ReadOnlySpan<byte> content)
    {
        if (content.Length == 0)
        {
            return (EvidenceProblem.Empty, null);
        }

        if (content.Length > MaxBytes)
        {
            return (EvidenceProblem.TooLarge, null);
        }

        if (content.StartsWith("%PDF-"u8))
        {
            return IsReadablePdf(content.ToArray()) ? (EvidenceProblem.None, "application/pdf") : (EvidenceProblem.Unreadable, null);
        }

        if (content.StartsWith(PngSignature))
        {
            return IsPng(content) ? (EvidenceProblem.None, "image/png") : (EvidenceProblem.Unreadable, null);
        }

        if (content.Length >= 3 && content[0] == 0xFF && content[1] == 0xD8 && content[2] == 0xFF)
        {
            return IsJpeg(content) ? (EvidenceProblem.None, "image/jpeg") : (EvidenceProblem.Unreadable, null);
        }

        return (EvidenceProblem.NotPdfOrImage, null);
    }

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static bool IsReadablePdf(byte[] content)
    {
        if (content.AsSpan(Math.Max(0, content.Length - 1024)).IndexOf("%%EOF"u8) < 0)
        {
            return false;
        }

        try
        {
            using var document = PdfReader.Open(new MemoryStream(content, writable: false), PdfDocumentOpenMode.Import);
            return document.PageCount > 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false; // broken or encrypted: an organizer could not read it either
        }
    }

    private static bool IsPng(ReadOnlySpan<byte> png)
    {
        if (png.Length < 8 + 25 + 12 || !png.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            return false;
        }

        var width = BinaryPrimitives.ReadInt32BigEndian(png.Slice(16, 4));
        var height = BinaryPrimitives.ReadInt32BigEndian(png.Slice(20, 4));
        return width is > 0 and <= 20_000 && height is > 0 and <= 20_000 && png[^8..^4].SequenceEqual("IEND"u8);
    }

    private static bool IsJpeg(ReadOnlySpan<byte> jpeg)
    {
        if (jpeg.Length < 4 || jpeg[^2] != 0xFF || jpeg[^1] != 0xD9)
        {
            return false;
        }

        // Walk the marker segments after SOI until a frame header (SOF0..SOF15 except DHT/JPG/DAC) or the scan.
        var i = 2;
        while (i + 4 <= jpeg.Length && jpeg[i] == 0xFF)
        {
            var marker = jpeg[i + 1];
            var length = BinaryPrimitives.ReadUInt16BigEndian(jpeg.Slice(i + 2, 2));
            if (marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC))
            {
                return length >= 8 && i + 2 + length <= jpeg.Length;
            }

            if (marker == 0xDA || length < 2)
            {
                return false;
            }

            i += 2 + length;
        }

        return false;
    }
}
