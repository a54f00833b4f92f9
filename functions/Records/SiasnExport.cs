using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Records;

/// <summary>One completed person as SIASN's course record (riwayat kursus) wants it; docs/siasn.md has the mapping.</summary>
public sealed record SiasnRow(
    string Nip,
    string Name,
    string Instansi,
    string? UnitKerja,
    string Institusi,
    string TrainingTypeId,
    string TrainingTypeName,
    string CertificateType,
    int Jp,
    string Location,
    string CourseName,
    string CertificateNumber,
    int Year,
    string StartDate,
    string EndDate,
    string PdfFile,
    string VerificationUrl);

/// <summary>
/// The SIASN-ready export of a cycle: one row per person holding a valid certificate, in SIASN's own terms and date
/// format (dd-MM-yyyy, as SIASN's course form and API take them), plus the name of their PDF in the ZIP ({NIP}.pdf).
/// </summary>
public static class SiasnExport
{
    /// <summary>SIASN's names are Indonesian whatever the reader's language.</summary>
    private const string SiasnLanguage = "id";

    public static readonly IReadOnlyList<string> Header =
    [
        "nip", "nama", "instansi", "unit_kerja", "institusi_penyelenggara", "jenis_diklat_id", "jenis_diklat", "jenis_kursus_sertipikat",
        "jumlah_jam", "lokasi", "nama_kursus", "nomor_sertipikat", "tahun", "tanggal_mulai", "tanggal_selesai", "file_pdf", "tautan_verifikasi",
    ];

    /// <summary>What is missing from the cycle's settings for an exact export (field paths); empty when nothing is.</summary>
    public static IReadOnlyList<string> Missing(CycleDefinition definition) =>
        string.IsNullOrWhiteSpace(definition.Records?.SiasnTrainingTypeId) || string.IsNullOrWhiteSpace(definition.Records?.SiasnTrainingTypeName)
            ? ["records.siasnTrainingTypeId", "records.siasnTrainingTypeName"]
            : [];

    public static string Institution(CycleDefinition definition) =>
        (string.IsNullOrWhiteSpace(definition.Records?.Institution) ? definition.OrganizerName : definition.Records.Institution)?.Trim() ?? "";

    public static string Location(CycleDefinition definition) =>
        !string.IsNullOrWhiteSpace(definition.Records?.Location) ? definition.Records.Location.Trim()
        : CertificateIssuer.SigningPlace(definition) ?? definition.Venue?.Trim() ?? "";

    /// <summary>SIASN's "instansi" is the government the person serves, not their office: from the agency level and regency.</summary>
    public static string Instansi(ParticipantEntity p) => p.AgencyLevel switch
    {
        "provinsi" => Text.Get(SiasnLanguage, nameof(Texts.Records_Instansi_Province)),
        "kabupaten" when !string.IsNullOrWhiteSpace(p.Regency) => Text.Get(SiasnLanguage, nameof(Texts.Records_Instansi_Regency), Bare(p.Regency, "Kabupaten ")),
        "kota" when !string.IsNullOrWhiteSpace(p.Regency) => Text.Get(SiasnLanguage, nameof(Texts.Records_Instansi_City), Bare(p.Regency, "Kota ")),
        _ => p.Agency?.Trim() ?? "",
    };

    private static string Bare(string name, string prefix) =>
        name.Trim().StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? name.Trim()[prefix.Length..].Trim() : name.Trim();

    public static string PdfName(string nip) => nip + ".pdf";

    /// <summary>The rows of a cycle: each participant whose certificate in force is valid, ordered by NIP.</summary>
    public static IReadOnlyList<SiasnRow> Rows(CycleRecord cycle, IEnumerable<ParticipantEntity> people, IReadOnlyDictionary<string, CertificateEntity> current, Func<string, Uri> verificationUri)
    {
        var d = cycle.Definition;
        var start = cycle.Schedule.ToLocal(cycle.Schedule.TrainingStartsAt);
        var end = cycle.Schedule.ToLocal(cycle.Schedule.LastSessionEndsAt);
        var typeName = d.Records?.SiasnTrainingTypeName?.Trim() ?? "";
        var rows = new List<SiasnRow>();
        foreach (var p in people)
        {
            if (p.Nip is null || !current.TryGetValue(p.RowKey, out var c) || c.Status != CertificateStatus.Valid)
            {
                continue;
            }

            rows.Add(new SiasnRow(
                p.Nip,
                c.HolderName is { Length: > 0 } name ? name : p.FullName ?? "",
                Instansi(p),
                p.Agency?.Trim(),
                Institution(d),
                d.Records?.SiasnTrainingTypeId?.Trim() ?? "",
                typeName,
                string.IsNullOrWhiteSpace(d.Records?.SiasnCertificateType) ? typeName : d.Records.SiasnCertificateType.Trim(),
                Ledger.JpOf(cycle, p),
                Location(d),
                cycle.Entity.Title,
                c.Number,
                end.Year,
                start.ToString("dd-MM-yyyy", CultureInfo.InvariantCulture),
                end.ToString("dd-MM-yyyy", CultureInfo.InvariantCulture),
                PdfName(p.Nip),
                verificationUri(c.VerificationCode).ToString()));
        }

        return [.. rows.OrderBy(r => r.Nip, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The CSV: UTF-8 with a byte-order mark (so a spreadsheet reads the names right), every cell formula-safe, the NIP
    /// as a text cell (<c>="…"</c>: the one form spreadsheets keep as 18 digits) — as the participant export does.
    /// </summary>
    public static byte[] ToCsv(IReadOnlyList<SiasnRow> rows)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { InjectionOptions = InjectionOptions.None };
        using var buffer = new MemoryStream();
        using (var writer = new StreamWriter(buffer, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)))
        using (var csv = new CsvWriter(writer, config))
        {
            foreach (var header in Header)
            {
                csv.WriteField(header);
            }

            csv.NextRecord();
            foreach (var r in rows)
            {
                csv.WriteField(ParticipantFunctions.NipAsText(r.Nip));
                foreach (var value in new[]
                {
                    r.Name, r.Instansi, r.UnitKerja, r.Institusi, r.TrainingTypeId, r.TrainingTypeName, r.CertificateType,
                    r.Jp.ToString(CultureInfo.InvariantCulture), r.Location, r.CourseName, r.CertificateNumber,
                    r.Year.ToString(CultureInfo.InvariantCulture), r.StartDate, r.EndDate, r.PdfFile, r.VerificationUrl,
                })
                {
                    csv.WriteField(ParticipantFunctions.FormulaSafe(value));
                }

                csv.NextRecord();
            }
        }

        return buffer.ToArray();
    }
}
