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

    /// <summary>#22: optional, printed on the certificate (<see cref="BirthDetails"/>).</summary>
    public string BirthPlace { get; init; } = "";
    public string BirthDate { get; init; } = "";

    /// <summary>#21: optional, the direct superior the follow-up survey asks (<see cref="SuperiorDetails"/>).</summary>
    public string SuperiorName { get; init; } = "";
    public string SuperiorEmail { get; init; } = "";
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
        BirthPlace = Get(form, "birthPlace"),
        BirthDate = Get(form, "birthDate"),
        SuperiorName = Get(form, "superiorName"),
        SuperiorEmail = Get(form, "superiorEmail"),
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
        BirthPlace = p.BirthPlace ?? "",
        BirthDate = p.BirthDate ?? "",
        SuperiorName = p.SuperiorName ?? "",
        SuperiorEmail = p.SuperiorEmail ?? "",
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
public sealed record ValidatedRegistration(string FullName, string Nip, string Email, string Phone, string Agency, string AgencyLevel, string? Regency, string Position, string? Rank, string Language, string? BirthPlace = null, string? BirthDate = null, string? SuperiorName = null, string? SuperiorEmail = null);

public static class RegistrationValidator
{
    public static (ValidatedRegistration? Value, IReadOnlyList<FieldError> Errors) Validate(RegistrationForm form, IReadOnlyList<string> regencies, DateOnly today)
    {
        var errors = new List<FieldError>();

        var name = form.FullName.Trim();
        if (name.Length == 0)
        {
            errors.Add(FieldError.Of("fullName", nameof(Texts.Field_FullName_Required)));
        }
        else if (name.Length > 200)
        {
            errors.Add(FieldError.Of("fullName", nameof(Texts.Field_FullName_TooLong)));
        }
        else if (name.Any(char.IsControl) || !name.Any(char.IsLetter))
        {
            errors.Add(FieldError.Of("fullName", nameof(Texts.Field_FullName_BadCharacters)));
        }

        var nip = Cycles.Nip.Validate(form.Nip, today);
        if (!nip.IsValid)
        {
            var (id, en) = Cycles.Nip.Message(nip.Error!.Value);
            errors.Add(new("nip", id, en));
        }

        var email = form.Email.Trim().ToLowerInvariant();
        if (email.Length == 0)
        {
            errors.Add(FieldError.Of("email", nameof(Texts.Field_Email_Required)));
        }
        else if (!InviteeImport.IsEmail(email))
        {
            errors.Add(FieldError.Of("email", nameof(Texts.Field_EmailInvalid)));
        }

        var phone = IndonesianPhone.Normalize(form.Phone);
        if (!phone.IsValid)
        {
            var (id, en) = IndonesianPhone.Message(phone.Error!.Value);
            errors.Add(new("phone", id, en));
        }

        Required(form.Agency, "agency", nameof(Texts.Field_Agency_Required), 200, errors);
        if (!RegistrationForm.AgencyLevels.Contains(form.AgencyLevel))
        {
            errors.Add(FieldError.Of("agencyLevel", nameof(Texts.Field_AgencyLevel_Choose)));
        }

        string? regency = null;
        if (form.Regency.Length > 0)
        {
            regency = regencies.FirstOrDefault(r => string.Equals(r, form.Regency, StringComparison.Ordinal));
            if (regency is null)
            {
                errors.Add(FieldError.Of("regency", nameof(Texts.Field_Regency_FromList)));
            }
        }
        else if (form.AgencyLevel is "kabupaten" or "kota")
        {
            errors.Add(FieldError.Of("regency", nameof(Texts.Field_Regency_Required)));
        }

        Required(form.Position, "position", nameof(Texts.Field_Position_Required), 200, errors);
        if (form.Rank.Length > 100 || form.Rank.Any(char.IsControl))
        {
            errors.Add(FieldError.Of("rank", nameof(Texts.Field_Rank_TooLong)));
        }

        var birth = BirthDetails.Check(form.BirthPlace, form.BirthDate, nip.IsValid ? nip.Normalized : null, today);
        errors.AddRange(birth.Errors.Select(e => new FieldError(e.Field, e.Message)));
        var superior = SuperiorDetails.Check(form.SuperiorName, form.SuperiorEmail, email);
        errors.AddRange(superior.Errors.Select(e => new FieldError(e.Field, e.Message)));

        if (!form.Consent)
        {
            errors.Add(FieldError.Of("consent", nameof(Texts.Field_Consent_Required)));
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return (new ValidatedRegistration(name, nip.Normalized!, email, phone.E164!, form.Agency.Trim(), form.AgencyLevel, regency, form.Position.Trim(),
            string.IsNullOrWhiteSpace(form.Rank) ? null : form.Rank.Trim(), form.Language, birth.Place, birth.Date, superior.Name, superior.Email), errors);
    }

    private static void Required(string value, string field, string requiredKey, int max, List<FieldError> errors)
    {
        var v = value.Trim();
        if (v.Length == 0)
        {
            errors.Add(FieldError.Of(field, requiredKey));
        }
        else if (v.Length > max || v.Any(char.IsControl))
        {
            errors.Add(FieldError.Of(field, nameof(Texts.Field_TooLongOrControl), max));
        }
    }

    public static bool LooksLikeEmail(string value) => MailAddress.TryCreate(value, out _);
}
