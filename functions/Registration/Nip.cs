using System.Globalization;

namespace TrainingCycles.Registration;

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
        NipError.Missing => (
            "NIP wajib diisi.",
            "NIP is required."),
        NipError.WrongLength => (
            "NIP harus 18 digit angka.",
            "NIP must be 18 digits."),
        NipError.NotDigits => (
            "NIP hanya boleh berisi angka 0-9 (spasi, titik, atau tanda hubung boleh dipakai sebagai pemisah).",
            "NIP may contain only the digits 0-9 (spaces, dots or hyphens may be used as separators)."),
        NipError.InvalidBirthDate => (
            "8 digit pertama NIP (tanggal lahir) bukan tanggal yang valid.",
            "The first 8 digits of the NIP (date of birth) are not a valid date."),
        NipError.InvalidAppointmentDate => (
            "Digit ke-9 sampai ke-14 NIP (TMT CPNS, tahun dan bulan) bukan bulan yang valid atau berada di masa depan.",
            "Digits 9-14 of the NIP (CPNS appointment year and month) are not a valid month or are in the future."),
        NipError.AppointmentBeforeAdulthood => (
            "TMT CPNS pada NIP (digit ke-9 sampai ke-14) harus sekurang-kurangnya 15 tahun setelah tahun lahir.",
            "The CPNS appointment date in the NIP (digits 9-14) must be at least 15 years after the year of birth."),
        NipError.InvalidGender => (
            "Digit ke-15 NIP (jenis kelamin) harus 1 (laki-laki) atau 2 (perempuan).",
            "Digit 15 of the NIP (gender) must be 1 (male) or 2 (female)."),
        NipError.InvalidSequence => (
            "3 digit terakhir NIP (nomor urut) tidak boleh 000.",
            "The last 3 digits of the NIP (sequence number) cannot be 000."),
        _ => throw new ArgumentOutOfRangeException(nameof(error), error, "Unknown NIP error."),
    };

    private static NipResult Fail(NipError error) => new(false, null, error, null, null, null, null);
}
