namespace TrainingCycles.Certificates.Pdf;

/// <summary>Everything printed on one certificate. Texts are printed as given (already formatted, already localised).</summary>
/// <param name="Heading">Printed heading; blank means the language default ("SERTIFIKAT" / "CERTIFICATE").
/// <see cref="CertificateTemplate.Heading"/>, when set, takes precedence.</param>
/// <param name="HolderName">Full name with academic titles, e.g. "Dr. Siti Aminah, S.Sos., M.Si.".</param>
/// <param name="HolderNip">NIP as it should be printed; blank omits the NIP line.</param>
/// <param name="DatesText">Already formatted, e.g. "7–10 Desember 2026".</param>
/// <param name="TrainingHours">Jam Pelajaran (JP).</param>
/// <param name="SignatoryNip">Blank omits the signatory's NIP line.</param>
/// <param name="VerificationUrl">Encoded exactly in the QR code and printed under it.</param>
/// <param name="Language">"id" (default) or "en".</param>
/// <param name="SigningPlace">Where the certificate is signed ("Palangka Raya"); blank leaves only the date.</param>
/// <param name="SigningDate">Already formatted, e.g. "2 Desember 2026"; blank leaves out the place-and-date line.</param>
/// <param name="Identity">#22 STTP layout: the identity rows printed under the name as "label : value" (NIP, place and
/// date of birth, rank, position, agency …), in order; rows with a blank value are left out. Null keeps the short
/// layout (NIP and agency as centred lines).</param>
/// <param name="Qualification">#22: "LULUS" / "TELAH MENGIKUTI", printed after the training; blank leaves it out.</param>
/// <param name="Institution">#22: the issuing institution, printed above the heading; blank leaves it out.</param>
/// <param name="Subjects">#22: the sessions/subjects with their JP, listed on a second page with the total; null or
/// empty gives a one-page certificate.</param>
public sealed record CertificateDocument(
    string Heading,
    string HolderName,
    string HolderNip,
    string HolderAgency,
    string TrainingTitle,
    string DatesText,
    string Venue,
    int TrainingHours,
    string OrganizerName,
    string SignatoryName,
    string SignatoryTitle,
    string? SignatoryNip,
    string CertificateNumber,
    string VerificationUrl,
    string Language,
    CertificateTemplate Template,
    string? SigningPlace = null,
    string? SigningDate = null,
    IReadOnlyList<CertificateField>? Identity = null,
    string? Qualification = null,
    string? Institution = null,
    IReadOnlyList<CertificateSubject>? Subjects = null);

/// <summary>One identity row: the label as printed ("Tempat, tanggal lahir") and its value.</summary>
public sealed record CertificateField(string Label, string Value);

/// <summary>
/// One row of the subjects page: the session's title, its instructor (blank: none) and its JP. Null JP prints "–";
/// when no row has JP the total row prints <see cref="CertificateDocument.TrainingHours"/>.
/// </summary>
public sealed record CertificateSubject(string Title, string? Instructor, int? Jp);

/// <summary>Per-cycle look of the certificate.</summary>
/// <param name="AccentColor">#RRGGBB for the frame and heading; anything else falls back to the default.</param>
/// <param name="Heading">Overrides <see cref="CertificateDocument.Heading"/> when set.</param>
/// <param name="LogoPng">Drawn top-left when PDFsharp can read it; otherwise left out.</param>
/// <param name="Wording">Replaces the default "telah mengikuti" / "has successfully completed" sentence.</param>
public sealed record CertificateTemplate(
    string AccentColor = CertificateTemplate.DefaultAccentColor,
    string? Heading = null,
    byte[]? LogoPng = null,
    string? Wording = null)
{
    public const string DefaultAccentColor = "#1F4E79";
}
