using PdfSharp.Drawing;

namespace TrainingCycles.Certificates.Pdf;

/// <summary>
/// Fixed geometry of the A4 landscape page in points, origin top-left. The header, body and footer areas do not
/// intersect, and every text block is fitted inside its area, so nothing can overlap however long the texts are.
/// </summary>
internal static class CertificateLayout
{
    public const double PageWidth = 841.89; // 297 mm
    public const double PageHeight = 595.28; // 210 mm
    public const double CenterX = PageWidth / 2;
    public const double FrameInset = 18;

    public const double HeaderTop = 46;
    public const double HeaderWidth = 560; // clear of the logo on the left

    public const double BodyTop = 142;
    public const double BodyHeight = 283;
    public const double BodyWidth = 660;

    // #22 STTP layout: the identity table needs the room; the header ends by 126 either way.
    public const double SttpBodyTop = 132;
    public const double SttpBodyHeight = 293;
    public const double IdentityLabelWidth = 150;
    public const double IdentityValueWidth = 400;
    public const double IdentityBudget = 84;

    // The subjects page: table columns (no., subject, instructor, JP) and the lowest a row may end.
    public const double SubjectsTop = 52;
    public const double SubjectsBottom = 545;
    public static readonly double[] SubjectColumns = [34, 376, 200, 50];

    public const double QrCaptionWidth = 260;
    public const double SignatureSpace = 42;

    public static readonly XRect LogoArea = new(44, 40, 72, 72);
    public static readonly XRect QrArea = new(50, 441, 96, 96);
    // Place and date (13) + title (34) + signature space + name (28) + NIP (14) + gaps (4) = 135: it ends above the
    // inner frame (570) and starts below the body (425).
    public static readonly XRect SignatoryArea = new(522, 428, 270, 136);
}
