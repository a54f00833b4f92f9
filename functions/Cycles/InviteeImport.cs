using System.Globalization;
using System.Net.Mail;
using System.Text;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;

using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

/// <summary>One invitee as imported. The registration form prefills every field given here.</summary>
public sealed record InviteeRow(int Line, string Email, string? FullName, string? Nip, string? Phone, string? Agency, string Language)
{
    /// <summary><c>provinsi</c>, <c>kabupaten</c> or <c>kota</c>, as the registration form stores it.</summary>
    public string? AgencyLevel { get; init; }

    /// <summary>One of the cycle's regencies/cities, spelled as the form lists it.</summary>
    public string? Regency { get; init; }

    public string? Position { get; init; }

    public string? Rank { get; init; }

    /// <summary>#22: printed on the certificate; see <see cref="BirthDetails"/>.</summary>
    public string? BirthPlace { get; init; }

    /// <summary>#22: <c>yyyy-MM-dd</c>.</summary>
    public string? BirthDate { get; init; }

    /// <summary>#21: the direct superior the follow-up survey asks (<see cref="SuperiorDetails"/>).</summary>
    public string? SuperiorName { get; init; }

    public string? SuperiorEmail { get; init; }
}

/// <param name="Name">The row's name (or email) so a person finds the row; <param name="Value">the refused value as written.</param></param>
public sealed record RowError(int Line, string Field, string Message, string MessageEn, string? Name = null, string? Value = null)
{
    /// <summary>A row error from a catalog text in both languages (<c>Text.Both(nameof(Texts.Field_X), args…)</c>).</summary>
    public RowError(int line, string field, (string Id, string En) message, string? name = null, string? value = null)
        : this(line, field, message.Id, message.En, name, value)
    {
    }
}

/// <summary>What a parse found: rows, per-row errors, and the columns (CSV headers or JSON properties) it did not use.</summary>
public sealed record InviteeParse(IReadOnlyList<InviteeRow> Rows, IReadOnlyList<RowError> Errors, IReadOnlyList<string> IgnoredColumns);

/// <summary>Parses and checks an invitee list (CSV with a header row, or a JSON array) before anything is written.</summary>
public static class InviteeImport
{
    public const int MaxRows = 20_000;

    /// <summary>
    /// Column names (CSV headers, JSON properties), case-insensitive, in Bahasa Indonesia and English: the first of
    /// each group is the documented Indonesian name, the second the documented English one (docs/dashboard.md).
    /// </summary>
    internal static readonly IReadOnlyList<(string Canonical, string[] Names)> Columns =
    [
        ("email", ["email", "email", "e-mail", "surel", "alamat email"]),
        ("name", ["nama", "name", "fullName", "full name", "nama lengkap"]),
        ("nip", ["nip", "nip"]),
        ("phone", ["telepon", "phone", "nomor hp", "no hp", "hp", "mobile", "whatsapp"]),
        ("agency", ["instansi", "agency", "unit kerja", "opd"]),
        ("agencyLevel", ["tingkat instansi", "agency level", "agencyLevel", "agency_level", "tingkat_instansi", "tingkat"]),
        ("regency", ["kabupaten/kota", "regency", "kabupaten", "kota", "kab/kota", "region", "regency/city", "wilayah"]),
        ("position", ["jabatan", "position"]),
        ("rank", ["pangkat/golongan", "rank", "pangkat", "golongan", "grade", "rank/grade"]),
        ("birthPlace", ["tempat lahir", "birthPlace", "birth place", "tempat_lahir"]),
        ("birthDate", ["tanggal lahir", "birthDate", "birth date", "tgl lahir", "tanggal_lahir"]),
        ("superiorName", ["nama atasan", "atasan", "atasan langsung", "superiorName", "superior name", "superior"]),
        ("superiorEmail", ["email atasan", "superiorEmail", "superior email"]),
        ("language", ["bahasa", "language", "lang"]),
    ];

    private static readonly Dictionary<string, string> HeaderAliases = Columns
        .SelectMany(c => c.Names.Select(n => (n, c.Canonical)))
        .DistinctBy(x => x.n, StringComparer.OrdinalIgnoreCase)
        .ToDictionary(x => x.n, x => x.Canonical, StringComparer.OrdinalIgnoreCase);

    public static (IReadOnlyList<InviteeRow> Rows, IReadOnlyList<RowError> Errors) ParseCsv(string text, DateOnly today)
    {
        var parse = ParseCsv(text, today, null);
        return (parse.Rows, parse.Errors);
    }

    public static (IReadOnlyList<InviteeRow> Rows, IReadOnlyList<RowError> Errors) ParseJson(string text, DateOnly today)
    {
        var parse = ParseJson(text, today, null);
        return (parse.Rows, parse.Errors);
    }

    /// <param name="regencies">The cycle's regencies/cities (Central Kalimantan's 14 when null).</param>
    public static InviteeParse ParseCsv(string text, DateOnly today, IReadOnlyList<string>? regencies)
    {
        var rows = new List<InviteeRow>();
        var errors = new List<RowError>();
        var ignored = new List<string>();
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            DetectDelimiter = true, // Indonesian Excel exports use ';'
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
                errors.Add(new(1, "header", Text.Both(nameof(Texts.Field_Cycle_Import_HeaderEmpty))));
                return new(rows, errors, ignored);
            }

            var columns = new Dictionary<string, int>();
            for (var i = 0; i < csv.HeaderRecord.Length; i++)
            {
                var header = csv.HeaderRecord[i].Trim();
                if (!HeaderAliases.TryGetValue(header, out var canonical) || !columns.TryAdd(canonical, i))
                {
                    // Unknown, or a second column for the same field: said in the answer, never silently dropped.
                    if (header.Length > 0)
                    {
                        ignored.Add(Shorten(header));
                    }
                }
            }

            if (!columns.ContainsKey("email"))
            {
                errors.Add(new(1, "header", Text.Both(nameof(Texts.Field_Cycle_Import_NoEmailColumn))));
                return new(rows, errors, ignored);
            }

            while (csv.Read())
            {
                var line = csv.Parser.RawRow;
                if (csv.Parser.Record is { } record && record.All(string.IsNullOrWhiteSpace))
                {
                    continue;
                }

                if (rows.Count + errors.Count >= MaxRows)
                {
                    errors.Add(new(line, "", Text.Both(nameof(Texts.Field_Cycle_Import_TooManyRows), MaxRows)));
                    break;
                }

                string? Field(string name) => columns.TryGetValue(name, out var index) ? NullIfEmpty(csv.GetField(index)) : null;
                CheckRow(line, Field, today, regencies, rows, errors);
            }
        }
        catch (CsvHelperException e)
        {
            errors.Add(new(e.Context?.Parser?.RawRow ?? 0, "", Text.Both(nameof(Texts.Field_Cycle_Import_CsvUnreadable), e.GetType().Name)));
        }

        CheckDuplicates(rows, errors);
        return new(rows, errors, ignored);
    }

    public static InviteeParse ParseJson(string text, DateOnly today, IReadOnlyList<string>? regencies)
    {
        var rows = new List<InviteeRow>();
        var errors = new List<RowError>();
        var ignored = new SortedSet<string>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(text);
            var array = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("invitees", out var inner) ? inner : document.RootElement;
            if (array.ValueKind != JsonValueKind.Array)
            {
                errors.Add(new(0, "", Text.Both(nameof(Texts.Field_Cycle_Import_JsonShape))));
                return new(rows, errors, []);
            }

            var index = 0;
            foreach (var item in array.EnumerateArray())
            {
                index++;
                if (index > MaxRows)
                {
                    errors.Add(new(index, "", Text.Both(nameof(Texts.Field_Cycle_Import_TooManyRows), MaxRows)));
                    break;
                }

                if (item.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(new(index, "", Text.Both(nameof(Texts.Field_Cycle_Import_InviteeNotObject))));
                    continue;
                }

                var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
                foreach (var property in item.EnumerateObject())
                {
                    if (HeaderAliases.TryGetValue(property.Name, out var canonical) && !fields.ContainsKey(canonical))
                    {
                        fields[canonical] = property.Value.ValueKind == JsonValueKind.String ? NullIfEmpty(property.Value.GetString()) : null;
                    }
                    else if (ignored.Count < 50)
                    {
                        ignored.Add(Shorten(property.Name));
                    }
                }

                CheckRow(index, name => fields.GetValueOrDefault(name), today, regencies, rows, errors);
            }
        }

        catch (JsonException)
        {
            errors.Add(new(0, "", Text.Both(nameof(Texts.Field_Cycle_Import_JsonInvalid))));
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape (\ud800) is valid JSON but not text: refuse the whole file.
            rows.Clear();
            errors.Add(new(0, "", Text.Both(nameof(Texts.Field_Cycle_Import_JsonInvalidChars))));
        }

        CheckDuplicates(rows, errors);
        return new(rows, errors, [.. ignored]);
    }

    private static void CheckRow(int line, Func<string, string?> field, DateOnly today, IReadOnlyList<string>? regencies, List<InviteeRow> rows, List<RowError> errors)
    {
        var email = field("email");
        var name = field("name");
        var nip = field("nip");
        var phone = field("phone");
        var agency = field("agency");
        var language = field("language");
        var position = field("position");
        var rank = field("rank");
        var who = Shorten(name ?? email ?? "");
        void Error(string column, (string Id, string En) message, string? value) => errors.Add(new(line, column, message, who.Length == 0 ? null : who, value is null ? null : Shorten(value)));

        var before = errors.Count;
        var normalizedEmail = email?.Trim().ToLowerInvariant();
        if (normalizedEmail is null)
        {
            Error("email", Text.Both(nameof(Texts.Field_Cycle_Import_EmailRequired)), null);
        }
        else if (!IsEmail(normalizedEmail))
        {
            Error("email", Text.Both(nameof(Texts.Field_Cycle_Import_EmailInvalid)), email);
        }

        foreach (var (column, value, max, label) in new[]
        {
            ("name", name, 200, nameof(Texts.Field_Cycle_Import_Label_Name)), ("agency", agency, 200, nameof(Texts.Field_Cycle_Import_Label_Agency)),
            ("position", position, 200, nameof(Texts.Field_Cycle_Import_Label_Position)), ("rank", rank, 100, nameof(Texts.Field_Cycle_Import_Label_Rank)),
        })
        {
            string TooLong(string lang) => Text.Get(lang, nameof(Texts.Field_Cycle_Import_TextTooLong), Text.Get(lang, label), max);
            if (value is { Length: var length } && length > max)
            {
                Error(column, (TooLong("id"), TooLong("en")), value);
            }
            else if (value is not null && value.Any(char.IsControl))
            {
                Error(column, Text.Both(nameof(Texts.Field_Cycle_Import_ControlChars)), value);
            }
        }

        string? normalizedNip = null;
        if (nip is not null)
        {
            var result = Nip.Validate(nip, today);
            if (result.IsValid)
            {
                normalizedNip = result.Normalized;
            }
            else
            {
                Error("nip", Nip.Message(result.Error!.Value), nip);
            }
        }

        string? normalizedPhone = null;
        if (phone is not null)
        {
            var result = IndonesianPhone.Normalize(phone);
            if (result.IsValid)
            {
                normalizedPhone = result.E164;
            }
            else
            {
                Error("phone", IndonesianPhone.Message(result.Error!.Value), phone);
            }
        }

        var level = field("agencyLevel") is { } rawLevel ? AgencyLevel(rawLevel) : "";
        if (level is null)
        {
            Error("agencyLevel", Text.Both(nameof(Texts.Field_Cycle_Import_AgencyLevel)), field("agencyLevel"));
        }

        string? regency = null;
        if (field("regency") is { } rawRegency)
        {
            regency = Regency(rawRegency, regencies ?? CycleDefinitionValidator.CentralKalimantanRegencies);
            if (regency is null)
            {
                Error("regency", Text.Both(nameof(Texts.Field_Cycle_Import_Regency)), rawRegency);
            }
        }

        var birth = BirthDetails.Check(field("birthPlace"), field("birthDate"), normalizedNip, today);
        foreach (var (column, message) in birth.Errors)
        {
            Error(column, message, field(column));
        }

        var superior = SuperiorDetails.Check(field("superiorName"), field("superiorEmail"), normalizedEmail);
        foreach (var (column, message) in superior.Errors)
        {
            Error(column, message, field(column));
        }

        var lang = language?.Trim().ToLowerInvariant() switch
        {
            null or "" or "id" or "indonesia" or "bahasa indonesia" => "id",
            "en" or "english" or "inggris" => "en",
            _ => null,
        };
        if (lang is null)
        {
            Error("language", Text.Both(nameof(Texts.Field_Cycle_Import_Language)), language);
        }

        if (errors.Count == before)
        {
            // Plain text like the form's (no bidirectional or zero-width characters): these names reach pages and mail.
            rows.Add(new InviteeRow(line, normalizedEmail!, Plain(name), normalizedNip, normalizedPhone, Plain(agency), lang!)
            {
                AgencyLevel = level is { Length: > 0 } ? level : null,
                Regency = regency,
                Position = Plain(position),
                Rank = Plain(rank),
                BirthPlace = Plain(birth.Place),
                BirthDate = birth.Date,
                SuperiorName = superior.Name,
                SuperiorEmail = superior.Email,
            });
        }
    }

    /// <summary>"provinsi", "kabupaten", "kota" (as the form stores it) from either language; "" is not given, null is refused.</summary>
    private static string? AgencyLevel(string value) => value.Trim().ToLowerInvariant() switch
    {
        "provinsi" or "pemerintah provinsi" or "prov" or "province" or "provincial" or "provincial government" => "provinsi",
        "kabupaten" or "pemerintah kabupaten" or "kab" or "kab." or "regency" or "regency government" => "kabupaten",
        "kota" or "pemerintah kota" or "city" or "city government" => "kota",
        _ => null,
    };

    /// <summary>The cycle's own spelling of a regency/city, case-insensitive, "Kabupaten Kapuas"/"Kab. Kapuas" read as "Kapuas".</summary>
    private static string? Regency(string value, IReadOnlyList<string> regencies)
    {
        var v = string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        foreach (var prefix in new[] { "Kabupaten ", "Kab. ", "Kab " })
        {
            if (v.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && regencies.Any(r => string.Equals(r, v[prefix.Length..], StringComparison.OrdinalIgnoreCase)))
            {
                v = v[prefix.Length..];
                break;
            }
        }

        return regencies.FirstOrDefault(r => string.Equals(r, v, StringComparison.OrdinalIgnoreCase))
            ?? regencies.FirstOrDefault(r => string.Equals(r, "Kota " + v, StringComparison.OrdinalIgnoreCase));
    }

    private static string Shorten(string value) => value.Length <= 60 ? value : value[..60] + "…";

    private static void CheckDuplicates(List<InviteeRow> rows, List<RowError> errors)
    {
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        var firstNipLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows.ToList())
        {
            if (firstLine.TryGetValue(row.Email, out var first))
            {
                errors.Add(new(row.Line, "email", Text.Both(nameof(Texts.Field_Cycle_Import_DuplicateEmail), first.ToString(CultureInfo.InvariantCulture)), Shorten(row.FullName ?? row.Email), row.Email));
                rows.Remove(row);
            }
            else if (row.Nip is not null && firstNipLine.TryGetValue(row.Nip, out var firstNip))
            {
                errors.Add(new(row.Line, "nip", Text.Both(nameof(Texts.Field_Cycle_Import_DuplicateNip), firstNip.ToString(CultureInfo.InvariantCulture))));
                rows.Remove(row);
            }
            else
            {
                firstLine[row.Email] = row.Line;
                if (row.Nip is not null)
                {
                    firstNipLine[row.Nip] = row.Line;
                }
            }
        }

        errors.Sort((a, b) => a.Line.CompareTo(b.Line));
    }

    public static bool IsEmail(string value) =>
        value.Length <= 254 && MailAddress.TryCreate(value, out var parsed) && parsed.Address == value && parsed.Host.Contains('.', StringComparison.Ordinal) && !parsed.Host.EndsWith('.');

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string? Plain(string? value) => NullIfEmpty(PlainText.Line(value));

    public static string Describe(IReadOnlyList<RowError> errors) =>
        new StringBuilder().AppendJoin("; ", errors.Take(5).Select(e => $"line {e.Line}: {e.MessageEn}")).ToString();
}
