using System.Globalization;
using TrainingCycles.Infrastructure;

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
    string Separator,
    string Qualification,
    string SubjectsHeading,
    string Annex,
    string ColumnNo,
    string ColumnSubject,
    string ColumnInstructor,
    string ColumnJp,
    string Total)
{
    private static readonly CertificateWording Indonesian = From("id", separator: " ");

    private static readonly CertificateWording English = From("en", separator: ", ");

    // The words come from the text catalog (Cert_Pdf_…); the separator between the detail parts is typography.
    private static CertificateWording From(string lang, string separator) => new(
        Heading: Text.Get(lang, nameof(Texts.Cert_Pdf_Heading)),
        Number: Text.Get(lang, nameof(Texts.Cert_Pdf_Number)),
        AwardedTo: Text.Get(lang, nameof(Texts.Cert_Pdf_AwardedTo)),
        Completed: Text.Get(lang, nameof(Texts.Cert_Pdf_Completed)),
        OrganizedBy: Text.Get(lang, nameof(Texts.Cert_Pdf_OrganizedBy)),
        On: Text.Get(lang, nameof(Texts.Cert_Pdf_On)),
        At: Text.Get(lang, nameof(Texts.Cert_Pdf_At)),
        Hours: Text.Get(lang, nameof(Texts.Cert_Pdf_Hours)),
        Separator: separator,
        Qualification: Text.Get(lang, nameof(Texts.Cert_Sttp_Qualification)),
        SubjectsHeading: Text.Get(lang, nameof(Texts.Cert_Sttp_SubjectsHeading)),
        Annex: Text.Get(lang, nameof(Texts.Cert_Sttp_Annex)),
        ColumnNo: Text.Get(lang, nameof(Texts.Cert_Sttp_ColNo)),
        ColumnSubject: Text.Get(lang, nameof(Texts.Cert_Sttp_ColSubject)),
        ColumnInstructor: Text.Get(lang, nameof(Texts.Cert_Sttp_ColInstructor)),
        ColumnJp: Text.Get(lang, nameof(Texts.Cert_Sttp_ColJp)),
        Total: Text.Get(lang, nameof(Texts.Cert_Sttp_Total)));

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
