using System.Globalization;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

/// <summary>
/// #22: place and date of birth as the certificate prints them, both optional. The date is stored <c>yyyy-MM-dd</c>;
/// typed as <c>yyyy-MM-dd</c>, <c>dd-MM-yyyy</c> or <c>dd/MM/yyyy</c>. With a valid NIP it must be the date the NIP
/// encodes (its first 8 digits), so a typo in either shows.
/// </summary>
public static class BirthDetails
{
    public const int MaxPlaceLength = 100;

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "dd-MM-yyyy", "d-M-yyyy", "dd/MM/yyyy", "d/M/yyyy"];

    /// <summary>The error for each field that is wrong (field "birthPlace" / "birthDate"), and the values to store.</summary>
    public static (string? Place, string? Date, IReadOnlyList<(string Field, (string Id, string En) Message)> Errors) Check(string? place, string? date, string? normalizedNip, DateOnly today)
    {
        var errors = new List<(string, (string, string))>(2);
        var cleanPlace = string.IsNullOrWhiteSpace(place) ? null : place.Trim();
        if (cleanPlace is not null && (cleanPlace.Length > MaxPlaceLength || cleanPlace.Any(char.IsControl)))
        {
            errors.Add(("birthPlace", Text.Both(nameof(Texts.Field_Birth_Place), MaxPlaceLength)));
        }

        string? cleanDate = null;
        if (!string.IsNullOrWhiteSpace(date))
        {
            if (!DateOnly.TryParseExact(date.Trim(), DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var born)
                || born.Year < Nip.MinBirthYear || born > today.AddYears(-Nip.MinAgeAtAppointment))
            {
                errors.Add(("birthDate", Text.Both(nameof(Texts.Field_Birth_Date))));
            }
            else if (normalizedNip is not null && Nip.Validate(normalizedNip, today) is { IsValid: true } nip && Nip.CheckIdentity(nip, born, null) is { } mismatch)
            {
                errors.Add(("birthDate", Nip.Message(mismatch)));
            }
            else
            {
                cleanDate = born.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            }
        }

        return (cleanPlace, cleanDate, errors);
    }
}
