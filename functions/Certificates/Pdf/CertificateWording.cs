using System.Globalization;

namespace TrainingCycles.Certificates.Pdf;

/// <summary>The fixed texts of a certificate in Bahasa Indonesia (default) or English.</summary>
internal sealed record CertificateWording(
    string Heading,
    string Number,
    string AwardedTo,
    string Completed,
    string OrganizedBy,
    string On,
    string At,
    string Hours,
    string Separator)
{
    private static readonly CertificateWording Indonesian = new(
        Heading: "SERTIFIKAT",
        Number: "Nomor:",
        AwardedTo: "diberikan kepada:",
        Completed: "telah mengikuti",
        OrganizedBy: "yang diselenggarakan oleh {0}",
        On: "pada tanggal {0}",
        At: "di {0}",
        Hours: "selama {0} Jam Pelajaran (JP)",
        Separator: " ");

    private static readonly CertificateWording English = new(
        Heading: "CERTIFICATE",
        Number: "Number:",
        AwardedTo: "is awarded to:",
        Completed: "for having successfully completed",
        OrganizedBy: "organised by {0}",
        On: "held on {0}",
        At: "in {0}",
        Hours: "totalling {0} lesson hours (Jam Pelajaran, JP)",
        Separator: ", ");

    /// <summary>"en", "en-US", "EN" … are English; anything else is Bahasa Indonesia.</summary>
    public static CertificateWording For(string? language) =>
        language is not null && language.Trim().StartsWith("en", StringComparison.OrdinalIgnoreCase) ? English : Indonesian;

    /// <summary>One sentence with organiser, dates, venue and hours; parts whose value is blank are left out.</summary>
    public string Details(CertificateDocument doc)
    {
        var parts = new List<string>(4);
        Add(parts, OrganizedBy, doc.OrganizerName);
        Add(parts, On, doc.DatesText);
        Add(parts, At, doc.Venue);
        if (doc.TrainingHours > 0)
        {
            parts.Add(string.Format(CultureInfo.InvariantCulture, Hours, doc.TrainingHours));
        }

        return parts.Count == 0 ? string.Empty : string.Join(Separator, parts) + ".";
    }

    private static void Add(List<string> parts, string format, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            parts.Add(string.Format(CultureInfo.InvariantCulture, format, value.Trim()));
        }
    }
}
