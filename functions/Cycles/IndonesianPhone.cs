using PhoneNumbers;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

public enum PhoneError
{
    Missing,
    NotANumber,
    NotIndonesian,
    NotMobile,
    Invalid,
}

/// <summary>Outcome of <see cref="IndonesianPhone.Normalize"/>. <see cref="E164"/> is set only when valid.</summary>
public sealed record PhoneResult(bool IsValid, string? E164, PhoneError? Error);

/// <summary>
/// Indonesian mobile numbers (HP / WhatsApp) normalised to E.164 ("+6281234567890") with libphonenumber.
/// </summary>
/// <remarks>
/// <para>Accepts what people type: "0812-3456-7890", "0812 3456 789", "(0812) 345-6789", "+62 812 3456 7890",
/// "62812…" (country code without "+") and "+6281234567890". The default region is Indonesia.</para>
/// <para>Only Indonesian (+62) numbers are accepted: participants are Indonesian civil servants and reminders go to
/// Indonesian mobile numbers, so a foreign number is reported as <see cref="PhoneError.NotIndonesian"/>.</para>
/// <para>The number must be valid and of type MOBILE (or FIXED_LINE_OR_MOBILE, where the metadata cannot tell);
/// a landline such as "021-5551234" is <see cref="PhoneError.NotMobile"/>.</para>
/// <para>Only ASCII digits and the separators space, <c>-</c>, <c>.</c>, <c>/</c>, <c>(</c>, <c>)</c> and a leading
/// <c>+</c> are allowed. Letters are rejected (libphonenumber would otherwise read "0812-FLOWERS" as a vanity
/// number), as are extensions and non-ASCII digits (fullwidth, Arabic-Indic), mirroring <see cref="Nip"/>.</para>
/// </remarks>
public static class IndonesianPhone
{
    public const string DefaultRegion = "ID";
    public const int IndonesiaCountryCode = 62;

    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    public static PhoneResult Normalize(string? input)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            return Fail(PhoneError.Missing);
        }

        var trimmed = input.Trim();
        var digitCount = 0;
        for (var i = 0; i < trimmed.Length; i++)
        {
            var c = trimmed[i];
            if (char.IsAsciiDigit(c))
            {
                digitCount++;
            }
            else if (!(char.IsWhiteSpace(c) || c is '-' or '.' or '/' or '(' or ')' || (c == '+' && i == 0)))
            {
                return Fail(PhoneError.NotANumber);
            }
        }

        if (digitCount == 0)
        {
            return Fail(PhoneError.NotANumber);
        }

        PhoneNumber number;
        try
        {
            number = Util.Parse(trimmed, DefaultRegion);
        }
        catch (NumberParseException e)
        {
            // The characters were checked above, so whatever libphonenumber still refuses ("+62", "0", too long) is
            // digits that do not make up a whole number; only an unknown country code means "not Indonesian".
            return Fail(e.ErrorType == ErrorType.INVALID_COUNTRY_CODE ? PhoneError.NotIndonesian : PhoneError.Invalid);
        }

        if (number.CountryCode != IndonesiaCountryCode)
        {
            return Fail(PhoneError.NotIndonesian);
        }

        if (!Util.IsValidNumber(number))
        {
            return Fail(PhoneError.Invalid);
        }

        if (Util.GetNumberType(number) is not (PhoneNumberType.MOBILE or PhoneNumberType.FIXED_LINE_OR_MOBILE))
        {
            return Fail(PhoneError.NotMobile);
        }

        return new PhoneResult(true, Util.Format(number, PhoneNumberFormat.E164), null);
    }

    /// <summary>User-facing message for <paramref name="error"/>, in Bahasa Indonesia and English.</summary>
    public static (string Id, string En) Message(PhoneError error) => error switch
    {
        PhoneError.Missing => Text.Both(nameof(Texts.Field_Phone_Missing)),
        PhoneError.NotANumber => Text.Both(nameof(Texts.Field_Phone_NotANumber)),
        PhoneError.NotIndonesian => Text.Both(nameof(Texts.Field_Phone_NotIndonesian)),
        PhoneError.NotMobile => Text.Both(nameof(Texts.Field_Phone_NotMobile)),
        PhoneError.Invalid => Text.Both(nameof(Texts.Field_Phone_Invalid)),
        _ => throw new ArgumentOutOfRangeException(nameof(error), error, "Unknown phone error."),
    };

    private static PhoneResult Fail(PhoneError error) => new(false, null, error);
}
