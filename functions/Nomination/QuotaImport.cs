using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;

namespace TrainingCycles.Nomination;

/// <summary>One agency's quota as imported.</summary>
public sealed record QuotaRow(int Line, string Agency, string AgencyLevel, string? Regency, int Seats, string CoordinatorName, string CoordinatorEmail, string Language)
{
    /// <summary>The quota's row key: from the agency's name as <see cref="CallerAccess.AgencyKey"/> compares it.</summary>
    public string QuotaId => QuotaIds.For(Agency);
}

public static class QuotaIds
{
    public static string For(string agency) => "q-" + Ids.IndexHash("agency", CallerAccess.AgencyKey(agency));

    public static bool LooksLikeId(string? id) => id is { Length: > 2 and <= 80 } && id.StartsWith("q-", StringComparison.Ordinal) && id.AsSpan(2).IndexOfAnyExcept("0123456789abcdefABCDEF-_") < 0;
}

/// <summary>
/// Parses the quota list (CSV with a header row, <c>,</c> <c>;</c> or tab separated): instansi/agency, tingkat/level
/// (provinsi, kabupaten, kota), kabupaten/kota (regency, optional), kursi/seats, nama koordinator/coordinator name,
/// email koordinator/coordinator email, bahasa/language (optional, id or en). Everything is checked before anything is
/// written; each bad row gets a bilingual error naming its line.
/// </summary>
public static class QuotaImport
{
    /// <summary>One entity-group transaction holds the sum row and up to 99 quotas.</summary>
    public const int MaxAgencies = 99;

    private static readonly (string Canonical, string[] Names)[] Columns =
    [
        ("agency", ["instansi", "agency", "opd", "unit kerja"]),
        ("level", ["tingkat", "level", "tingkat instansi", "agency level", "agencyLevel"]),
        ("regency", ["kabupaten/kota", "regency", "kabupaten", "kota", "kab/kota"]),
        ("seats", ["kursi", "seats", "kuota", "quota", "jumlah kursi"]),
        ("name", ["nama koordinator", "coordinator name", "koordinator", "coordinator", "coordinatorName"]),
        ("email", ["email koordinator", "coordinator email", "email", "coordinatorEmail"]),
        ("language", ["bahasa", "language", "lang"]),
    ];

    private static readonly Dictionary<string, string> Aliases = Columns
        .SelectMany(c => c.Names.Select(n => (n, c.Canonical)))
        .DistinctBy(x => x.n, StringComparer.OrdinalIgnoreCase)
        .ToDictionary(x => x.n, x => x.Canonical, StringComparer.OrdinalIgnoreCase);

    public static (IReadOnlyList<QuotaRow> Rows, IReadOnlyList<RowError> Errors) ParseCsv(string text, IReadOnlyList<string> regencies)
    {
        var rows = new List<QuotaRow>();
        var errors = new List<RowError>();
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            DetectDelimiter = true,
            DetectDelimiterValues = [",", ";", "\t"],
            TrimOptions = TrimOptions.Trim,
            BadDataFound = null,
            MissingFieldFound = null,
        };
        using var reader = new StringReader(text.TrimStart('\uFEFF'));
        using var csv = new CsvReader(reader, config);
        try
        {
            if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is null)
            {
                errors.Add(new(1, "header", Text.Both(nameof(Texts.Nom_Import_HeaderEmpty))));
                return (rows, errors);
            }

            var columns = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < csv.HeaderRecord.Length; i++)
            {
                if (Aliases.TryGetValue(csv.HeaderRecord[i].Trim(), out var canonical))
                {
                    columns.TryAdd(canonical, i);
                }
            }

            foreach (var required in new[] { "agency", "level", "seats", "name", "email" })
            {
                if (!columns.ContainsKey(required))
                {
                    errors.Add(new(1, "header", Text.Both(nameof(Texts.Nom_Import_MissingColumn), required)));
                }
            }

            if (errors.Count > 0)
            {
                return (rows, errors);
            }

            while (csv.Read())
            {
                var line = csv.Parser.RawRow;
                if (csv.Parser.Record is { } record && record.All(string.IsNullOrWhiteSpace))
                {
                    continue;
                }

                if (rows.Count >= MaxAgencies)
                {
                    errors.Add(new(line, "", Text.Both(nameof(Texts.Nom_Import_TooMany), MaxAgencies)));
                    break;
                }

                string Field(string name) => columns.TryGetValue(name, out var index) ? PlainText.Line(csv.GetField(index), 300) : "";
                if (CheckRow(line, Field, regencies, errors) is { } row)
                {
                    rows.Add(row);
                }
            }
        }
        catch (CsvHelperException e)
        {
            errors.Add(new(e.Context?.Parser?.RawRow ?? 0, "", Text.Both(nameof(Texts.Nom_Import_Unreadable), e.GetType().Name)));
        }

        foreach (var duplicate in rows.GroupBy(r => r.QuotaId, StringComparer.Ordinal).Where(g => g.Count() > 1).SelectMany(g => g.Skip(1)))
        {
            errors.Add(new(duplicate.Line, "agency", Text.Both(nameof(Texts.Nom_Import_DuplicateAgency)), duplicate.Agency, duplicate.Agency));
        }

        if (rows.Count == 0 && errors.Count == 0)
        {
            errors.Add(new(1, "", Text.Both(nameof(Texts.Nom_Import_NoRows))));
        }

        return (rows, errors);
    }

    private static QuotaRow? CheckRow(int line, Func<string, string> field, IReadOnlyList<string> regencies, List<RowError> errors)
    {
        var before = errors.Count;
        var agency = field("agency");
        if (agency.Length is 0 or > 200)
        {
            errors.Add(new(line, "agency", Text.Both(nameof(Texts.Nom_Import_Agency)), null, agency));
        }

        var level = field("level").ToLowerInvariant();
        if (!RegistrationForm.AgencyLevels.Contains(level))
        {
            errors.Add(new(line, "level", Text.Both(nameof(Texts.Nom_Import_Level)), agency, level));
        }

        var regencyText = field("regency");
        string? regency = null;
        if (regencyText.Length > 0)
        {
            regency = regencies.FirstOrDefault(r => string.Equals(r, regencyText, StringComparison.OrdinalIgnoreCase));
            if (regency is null)
            {
                errors.Add(new(line, "regency", Text.Both(nameof(Texts.Nom_Import_Regency)), agency, regencyText));
            }
        }

        var seatsText = field("seats");
        if (!int.TryParse(seatsText, NumberStyles.None, CultureInfo.InvariantCulture, out var seats) || seats > 10_000)
        {
            errors.Add(new(line, "seats", Text.Both(nameof(Texts.Nom_Import_Seats)), agency, seatsText));
        }

        var name = field("name");
        if (name.Length is 0 or > 200 || !name.Any(char.IsLetter))
        {
            errors.Add(new(line, "name", Text.Both(nameof(Texts.Nom_Import_CoordinatorName)), agency, name));
        }

        var email = field("email").ToLowerInvariant();
        if (!InviteeImport.IsEmail(email))
        {
            errors.Add(new(line, "email", Text.Both(nameof(Texts.Nom_Import_CoordinatorEmail)), agency, email));
        }

        var language = field("language").ToLowerInvariant() switch
        {
            "" or "id" or "indonesia" => "id",
            "en" or "english" or "inggris" => "en",
            var other => Invalid(other),
        };

        string Invalid(string other)
        {
            errors.Add(new(line, "language", Text.Both(nameof(Texts.Nom_Import_Language)), agency, other));
            return "id";
        }

        return errors.Count == before ? new QuotaRow(line, agency, level, regency, seats, name, email, language) : null;
    }
}
