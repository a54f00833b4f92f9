using System.Globalization;
using System.Net.Mail;
using System.Text;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using TrainingCycles.Registration;

namespace TrainingCycles.Cycles;

public sealed record InviteeRow(int Line, string Email, string? FullName, string? Nip, string? Phone, string? Agency, string Language);

public sealed record RowError(int Line, string Field, string Message, string MessageEn);

/// <summary>Parses and checks an invitee list (CSV with a header row, or a JSON array) before anything is written.</summary>
public static class InviteeImport
{
    public const int MaxRows = 20_000;

    private static readonly Dictionary<string, string> HeaderAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["email"] = "email", ["e-mail"] = "email", ["surel"] = "email", ["alamat email"] = "email",
        ["name"] = "name", ["nama"] = "name", ["full name"] = "name", ["fullname"] = "name", ["nama lengkap"] = "name",
        ["nip"] = "nip",
        ["phone"] = "phone", ["telepon"] = "phone", ["no hp"] = "phone", ["hp"] = "phone", ["mobile"] = "phone", ["nomor hp"] = "phone", ["whatsapp"] = "phone",
        ["agency"] = "agency", ["instansi"] = "agency", ["unit kerja"] = "agency", ["opd"] = "agency",
        ["language"] = "language", ["bahasa"] = "language", ["lang"] = "language",
    };

    public static (IReadOnlyList<InviteeRow> Rows, IReadOnlyList<RowError> Errors) ParseCsv(string text, DateOnly today)
    {
        var rows = new List<InviteeRow>();
        var errors = new List<RowError>();
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
                errors.Add(new(1, "header", "Berkas kosong: baris pertama harus berisi judul kolom (mis. email,nama,nip).", "Empty file: the first row must hold column headers (e.g. email,name,nip)."));
                return (rows, errors);
            }

            var columns = new Dictionary<string, int>();
            for (var i = 0; i < csv.HeaderRecord.Length; i++)
            {
                if (HeaderAliases.TryGetValue(csv.HeaderRecord[i].Trim(), out var canonical))
                {
                    columns.TryAdd(canonical, i);
                }
            }

            if (!columns.ContainsKey("email"))
            {
                errors.Add(new(1, "header", "Kolom 'email' tidak ditemukan di baris judul.", "No 'email' column in the header row."));
                return (rows, errors);
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
                    errors.Add(new(line, "", $"Paling banyak {MaxRows} baris per impor.", $"At most {MaxRows} rows per import."));
                    break;
                }

                string? Field(string name) => columns.TryGetValue(name, out var index) ? NullIfEmpty(csv.GetField(index)) : null;
                CheckRow(line, Field("email"), Field("name"), Field("nip"), Field("phone"), Field("agency"), Field("language"), today, rows, errors);
            }
        }
        catch (CsvHelperException e)
        {
            errors.Add(new(e.Context?.Parser?.RawRow ?? 0, "", "Berkas CSV tidak dapat dibaca: " + e.GetType().Name, "The CSV file could not be read: " + e.GetType().Name));
        }

        CheckDuplicates(rows, errors);
        return (rows, errors);
    }

    public static (IReadOnlyList<InviteeRow> Rows, IReadOnlyList<RowError> Errors) ParseJson(string text, DateOnly today)
    {
        var rows = new List<InviteeRow>();
        var errors = new List<RowError>();
        try
        {
            using var document = JsonDocument.Parse(text);
            var array = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("invitees", out var inner) ? inner : document.RootElement;
            if (array.ValueKind != JsonValueKind.Array)
            {
                errors.Add(new(0, "", "JSON harus berupa larik invitee atau objek {\"invitees\": [...]}.", "JSON must be an array of invitees or {\"invitees\": [...]}."));
                return (rows, errors);
            }

            var index = 0;
            foreach (var item in array.EnumerateArray())
            {
                index++;
                if (index > MaxRows)
                {
                    errors.Add(new(index, "", $"Paling banyak {MaxRows} baris per impor.", $"At most {MaxRows} rows per import."));
                    break;
                }

                if (item.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(new(index, "", "Setiap invitee harus berupa objek.", "Each invitee must be an object."));
                    continue;
                }

                string? Field(params string[] names)
                {
                    foreach (var name in names)
                    {
                        if (item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String)
                        {
                            return NullIfEmpty(v.GetString());
                        }
                    }

                    return null;
                }

                CheckRow(index, Field("email"), Field("name", "fullName"), Field("nip"), Field("phone"), Field("agency"), Field("language"), today, rows, errors);
            }
        }
        catch (JsonException)
        {
            errors.Add(new(0, "", "Isi permintaan bukan JSON yang valid.", "The request body is not valid JSON."));
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape (\ud800) is valid JSON but not text: refuse the whole file.
            rows.Clear();
            errors.Add(new(0, "", "Isi JSON memuat karakter yang tidak valid.", "The JSON contains invalid characters (lone surrogates)."));
        }

        CheckDuplicates(rows, errors);
        return (rows, errors);
    }

    private static void CheckRow(int line, string? email, string? name, string? nip, string? phone, string? agency, string? language, DateOnly today, List<InviteeRow> rows, List<RowError> errors)
    {
        var before = errors.Count;
        var normalizedEmail = email?.Trim().ToLowerInvariant();
        if (normalizedEmail is null)
        {
            errors.Add(new(line, "email", "Email wajib diisi.", "Email is required."));
        }
        else if (!IsEmail(normalizedEmail))
        {
            errors.Add(new(line, "email", "Alamat email tidak valid.", "Not a valid email address."));
        }

        if (name is { Length: > 200 })
        {
            errors.Add(new(line, "name", "Nama paling banyak 200 karakter.", "Name must be at most 200 characters."));
        }

        if (agency is { Length: > 200 })
        {
            errors.Add(new(line, "agency", "Instansi paling banyak 200 karakter.", "Agency must be at most 200 characters."));
        }

        foreach (var (field, value) in new[] { ("name", name), ("agency", agency) })
        {
            if (value is not null && value.Any(c => char.IsControl(c)))
            {
                errors.Add(new(line, field, "Berisi karakter kontrol yang tidak diizinkan.", "Contains control characters."));
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
                var (id, en) = Nip.Message(result.Error!.Value);
                errors.Add(new(line, "nip", id, en));
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
                var (id, en) = IndonesianPhone.Message(result.Error!.Value);
                errors.Add(new(line, "phone", id, en));
            }
        }

        var lang = language?.Trim().ToLowerInvariant() switch
        {
            null or "" or "id" or "indonesia" or "bahasa indonesia" => "id",
            "en" or "english" or "inggris" => "en",
            _ => null,
        };
        if (lang is null)
        {
            errors.Add(new(line, "language", "Bahasa harus 'id' atau 'en'.", "Language must be 'id' or 'en'."));
        }

        if (errors.Count == before)
        {
            rows.Add(new InviteeRow(line, normalizedEmail!, name?.Trim(), normalizedNip, normalizedPhone, agency?.Trim(), lang!));
        }
    }

    private static void CheckDuplicates(List<InviteeRow> rows, List<RowError> errors)
    {
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        var firstNipLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows.ToList())
        {
            if (firstLine.TryGetValue(row.Email, out var first))
            {
                errors.Add(new(row.Line, "email", $"Email yang sama sudah ada di baris {first}.", $"Same email as line {first}."));
                rows.Remove(row);
            }
            else if (row.Nip is not null && firstNipLine.TryGetValue(row.Nip, out var firstNip))
            {
                errors.Add(new(row.Line, "nip", $"NIP yang sama sudah ada di baris {firstNip}.", $"Same NIP as line {firstNip}."));
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

    public static string Describe(IReadOnlyList<RowError> errors) =>
        new StringBuilder().AppendJoin("; ", errors.Take(5).Select(e => $"line {e.Line}: {e.MessageEn}")).ToString();
}
