using System.Net.Mail;
using Microsoft.AspNetCore.Http;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Registration;

/// <summary>What a participant typed (kept verbatim so the form can be shown again), and the checks on it.</summary>
public sealed record RegistrationForm
{
    public string FullName { get; init; } = "";
    public string Nip { get; init; } = "";
    public string Email { get; init; } = "";
    public string Phone { get; init; } = "";
    public string Agency { get; init; } = "";
    public string AgencyLevel { get; init; } = "";
    public string Regency { get; init; } = "";
    public string Position { get; init; } = "";
    public string Rank { get; init; } = "";
    public bool Consent { get; init; }
    public string Language { get; init; } = "id";

    public static readonly IReadOnlyList<string> AgencyLevels = ["provinsi", "kabupaten", "kota"];

    public static RegistrationForm FromForm(IFormCollection form) => new()
    {
        FullName = Get(form, "fullName"),
        Nip = Get(form, "nip"),
        Email = Get(form, "email"),
        Phone = Get(form, "phone"),
        Agency = Get(form, "agency"),
        AgencyLevel = Get(form, "agencyLevel"),
        Regency = Get(form, "regency"),
        Position = Get(form, "position"),
        Rank = Get(form, "rank"),
        Consent = form["consent"].Any(v => v is "yes" or "on" or "true"),
        Language = Get(form, "language") == "en" ? "en" : "id",
    };

    public static RegistrationForm FromParticipant(ParticipantEntity p) => new()
    {
        FullName = p.FullName ?? "",
        Nip = p.Nip ?? "",
        Email = p.Email,
        Phone = p.Phone ?? "",
        Agency = p.Agency ?? "",
        AgencyLevel = p.AgencyLevel ?? "",
        Regency = p.Regency ?? "",
        Position = p.Position ?? "",
        Rank = p.Rank ?? "",
        Consent = p.ConsentAt is not null,
        Language = p.Language,
    };

    private static string Get(IFormCollection form, string name)
    {
        // Plain, one line, bounded: no bidirectional or zero-width characters reach a row, a page or a mail.
        return PlainText.Line(form[name].FirstOrDefault(), 1000);
    }
}

/// <summary>A checked form: normalised values, or errors keyed by field name, in both languages.</summary>
public sealed record ValidatedRegistration(string FullName, string Nip, string Email, string Phone, string Agency, string AgencyLevel, string? Regency, string Position, string? Rank, string Language);

public static class RegistrationValidator
{
    public static (ValidatedRegistration? Value, IReadOnlyList<FieldError> Errors) Validate(RegistrationForm form, IReadOnlyList<string> regencies, DateOnly today)
    {
        var errors = new List<FieldError>();

        var name = form.FullName.Trim();
        if (name.Length == 0)
        {
            errors.Add(new("fullName", "Nama lengkap wajib diisi, beserta gelar (mis. Dr. Siti Aminah, S.Sos., M.Si.).", "Full name is required, with academic titles."));
        }
        else if (name.Length > 200)
        {
            errors.Add(new("fullName", "Nama lengkap paling banyak 200 karakter.", "Full name must be at most 200 characters."));
        }
        else if (name.Any(char.IsControl) || !name.Any(char.IsLetter))
        {
            errors.Add(new("fullName", "Nama lengkap berisi karakter yang tidak diizinkan.", "Full name contains characters that are not allowed."));
        }

        var nip = Registration.Nip.Validate(form.Nip, today);
        if (!nip.IsValid)
        {
            var (id, en) = Registration.Nip.Message(nip.Error!.Value);
            errors.Add(new("nip", id, en));
        }

        var email = form.Email.Trim().ToLowerInvariant();
        if (email.Length == 0)
        {
            errors.Add(new("email", "Email wajib diisi.", "Email is required."));
        }
        else if (!InviteeImport.IsEmail(email))
        {
            errors.Add(new("email", "Alamat email tidak valid (contoh: nama@kalteng.go.id).", "Not a valid email address (e.g. name@kalteng.go.id)."));
        }

        var phone = IndonesianPhone.Normalize(form.Phone);
        if (!phone.IsValid)
        {
            var (id, en) = IndonesianPhone.Message(phone.Error!.Value);
            errors.Add(new("phone", id, en));
        }

        Required(form.Agency, "agency", "Nama instansi wajib diisi.", "Agency name is required.", 200, errors);
        if (!RegistrationForm.AgencyLevels.Contains(form.AgencyLevel))
        {
            errors.Add(new("agencyLevel", "Pilih tingkat instansi: provinsi, kabupaten, atau kota.", "Choose the agency level: province, regency or city."));
        }

        string? regency = null;
        if (form.Regency.Length > 0)
        {
            regency = regencies.FirstOrDefault(r => string.Equals(r, form.Regency, StringComparison.Ordinal));
            if (regency is null)
            {
                errors.Add(new("regency", "Pilih kabupaten/kota dari daftar.", "Choose a regency or city from the list."));
            }
        }
        else if (form.AgencyLevel is "kabupaten" or "kota")
        {
            errors.Add(new("regency", "Pilih kabupaten/kota instansi Anda.", "Choose your agency's regency or city."));
        }

        Required(form.Position, "position", "Jabatan wajib diisi.", "Position is required.", 200, errors);
        if (form.Rank.Length > 100 || form.Rank.Any(char.IsControl))
        {
            errors.Add(new("rank", "Pangkat/golongan paling banyak 100 karakter.", "Rank/grade must be at most 100 characters."));
        }

        if (!form.Consent)
        {
            errors.Add(new("consent", "Anda perlu menyetujui pemrosesan data pribadi untuk mendaftar.", "You need to agree to the processing of personal data to register."));
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return (new ValidatedRegistration(name, nip.Normalized!, email, phone.E164!, form.Agency.Trim(), form.AgencyLevel, regency, form.Position.Trim(),
            string.IsNullOrWhiteSpace(form.Rank) ? null : form.Rank.Trim(), form.Language), errors);
    }

    private static void Required(string value, string field, string id, string en, int max, List<FieldError> errors)
    {
        var v = value.Trim();
        if (v.Length == 0)
        {
            errors.Add(new(field, id, en));
        }
        else if (v.Length > max || v.Any(char.IsControl))
        {
            errors.Add(new(field, $"Paling banyak {max} karakter, tanpa karakter kontrol.", $"At most {max} characters, no control characters."));
        }
    }

    public static bool LooksLikeEmail(string value) => MailAddress.TryCreate(value, out _);
}
