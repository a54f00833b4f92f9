using System.Globalization;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

public enum NipError
{
    Missing,
    WrongLength,
    NotDigits,
    InvalidBirthDate,
    InvalidAppointmentDate,
    AppointmentBeforeAdulthood,
    InvalidGender,
    InvalidSequence,

    /// <summary>The birth date given with the NIP is not the one the NIP encodes (#19).</summary>
    BirthDateMismatch,

    /// <summary>The gender given with the NIP is not the one the NIP encodes (#19).</summary>
    GenderMismatch,
}

/// <summary>Outcome of <see cref="Nip.Validate"/>. On failure only <see cref="Error"/> is set; every other field is null.</summary>
public sealed record NipResult(
    bool IsValid,
    string? Normalized,
    NipError? Error,
    DateOnly? BirthDate,
    int? AppointmentYear,
    int? AppointmentMonth,
    char? Gender);

/// <summary>
/// Nomor Induk Pegawai (NIP) of an Indonesian civil servant (PNS): 18 digits laid out as
/// <c>yyyyMMdd</c> (date of birth) · <c>yyyyMM</c> (TMT CPNS, appointment year and month) ·
/// <c>g</c> (gender: 1 = male, 2 = female) · <c>nnn</c> (sequence 001–999).
/// </summary>
/// <remarks>
/// <para>Separators people type are removed: any whitespace (including non-breaking spaces), <c>.</c> and <c>-</c>,
/// so "19850312 201001 2 005", "19850312.201001.2.005" and "198503122010012005" are the same NIP.</para>
/// <para>Only ASCII digits 0–9 are accepted. Fullwidth (０-９), Arabic-Indic (٠-٩) and other Unicode digits are
/// deliberately <b>not</b> normalised: Indonesian keyboards never produce them, so their presence means the value was
/// pasted from somewhere unexpected and the user should re-type it; they are reported as <see cref="NipError.NotDigits"/>.</para>
/// <para>Checks run left to right through the NIP (birth date, appointment, gender, sequence), so the error names the
/// first wrong segment. Birth year must lie in 1940..(today.Year − 15); the appointment month must be a real month, not
/// after <c>today</c>'s month, and its year at least birth year + 15.</para>
/// </remarks>
public static class Nip
{
    public const int Length = 18;
    public const int MinBirthYear = 1940;
    public const int MinAgeAtAppointment = 15;

    public static NipResult Validate(string? input, DateOnly today)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            return Fail(NipError.Missing);
        }

        Span<char> digits = stackalloc char[Length];
        var count = 0;
        foreach (var c in input)
        {
            if (char.IsWhiteSpace(c) || c is '.' or '-')
            {
                continue;
            }

            if (!char.IsAsciiDigit(c))
            {
                return Fail(NipError.NotDigits);
            }

            if (count < Length)
            {
                digits[count] = c;
            }

            count++;
        }

        if (count == 0)
        {
            return Fail(NipError.Missing);
        }

        if (count != Length)
        {
            return Fail(NipError.WrongLength);
        }

        if (!DateOnly.TryParseExact(digits[..8], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var birthDate)
            || birthDate.Year < MinBirthYear
            || birthDate.Year > today.Year - MinAgeAtAppointment)
        {
            return Fail(NipError.InvalidBirthDate);
        }

        if (!DateOnly.TryParseExact(digits[8..14], "yyyyMM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var appointment)
            || appointment > new DateOnly(today.Year, today.Month, 1))
        {
            return Fail(NipError.InvalidAppointmentDate);
        }

        if (appointment.Year < birthDate.Year + MinAgeAtAppointment)
        {
            return Fail(NipError.AppointmentBeforeAdulthood);
        }

        var gender = digits[14];
        if (gender is not ('1' or '2'))
        {
            return Fail(NipError.InvalidGender);
        }

        if (digits[15..].SequenceEqual("000"))
        {
            return Fail(NipError.InvalidSequence);
        }

        return new NipResult(true, new string(digits), null, birthDate, appointment.Year, appointment.Month, gender);
    }

    /// <summary>User-facing message for <paramref name="error"/>, in Bahasa Indonesia and English.</summary>
    public static (string Id, string En) Message(NipError error) => error switch
    {
        NipError.Missing => Text.Both(nameof(Texts.Field_Nip_Missing)),
        NipError.WrongLength => Text.Both(nameof(Texts.Field_Nip_WrongLength)),
        NipError.NotDigits => Text.Both(nameof(Texts.Field_Nip_NotDigits)),
        NipError.InvalidBirthDate => Text.Both(nameof(Texts.Field_Nip_InvalidBirthDate)),
        NipError.InvalidAppointmentDate => Text.Both(nameof(Texts.Field_Nip_InvalidAppointmentDate)),
        NipError.AppointmentBeforeAdulthood => Text.Both(nameof(Texts.Field_Nip_AppointmentBeforeAdulthood)),
        NipError.InvalidGender => Text.Both(nameof(Texts.Field_Nip_InvalidGender)),
        NipError.InvalidSequence => Text.Both(nameof(Texts.Field_Nip_InvalidSequence)),
        NipError.BirthDateMismatch => Text.Both(nameof(Texts.Field_Nip_BirthDateMismatch)),
        NipError.GenderMismatch => Text.Both(nameof(Texts.Field_Nip_GenderMismatch)),
        _ => throw new ArgumentOutOfRangeException(nameof(error), error, "Unknown NIP error."),
    };

    /// <summary>
    /// A valid NIP checked against the birth date and gender given with it (a nomination, #19): the NIP encodes both, so a
    /// typo in either — or a colleague's NIP — shows. Null when they agree (or were not given); gender is <c>1</c> (male)
    /// or <c>2</c> (female), as in the NIP.
    /// </summary>
    public static NipError? CheckIdentity(NipResult nip, DateOnly? birthDate, char? gender)
    {
        if (!nip.IsValid)
        {
            return nip.Error;
        }

        if (birthDate is { } born && born != nip.BirthDate)
        {
            return NipError.BirthDateMismatch;
        }

        return gender is { } g && g != nip.Gender ? NipError.GenderMismatch : null;
    }

    private static NipResult Fail(NipError error) => new(false, null, error, null, null, null, null);
}
