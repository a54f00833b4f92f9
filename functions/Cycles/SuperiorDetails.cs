using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

/// <summary>
/// #21: the participant's direct superior (atasan langsung), optional, named by the registration form, the invitee
/// import or the agency's nomination. Months after the training the follow-up survey asks them whether the person's
/// work changed (level 3). Both fields are personal data: stored on the participant row only, erased with it.
/// </summary>
public static class SuperiorDetails
{
    public const int MaxNameLength = 200;

    /// <summary>The values to store (null when not given) and an error per wrong field ("superiorName" / "superiorEmail").</summary>
    public static (string? Name, string? Email, IReadOnlyList<(string Field, (string Id, string En) Message)> Errors) Check(string? name, string? email, string? participantEmail = null)
    {
        var errors = new List<(string, (string, string))>(2);
        var cleanName = string.IsNullOrWhiteSpace(name) ? null : PlainText.Line(name.Trim(), MaxNameLength + 1);
        if (cleanName is not null && (cleanName.Length > MaxNameLength || name!.Any(char.IsControl)))
        {
            errors.Add(("superiorName", Text.Both(nameof(Texts.Field_Superior_Name), MaxNameLength)));
        }

        var cleanEmail = string.IsNullOrWhiteSpace(email) ? null : email.Trim().ToLowerInvariant();
        if (cleanEmail is not null && !InviteeImport.IsEmail(cleanEmail))
        {
            errors.Add(("superiorEmail", Text.Both(nameof(Texts.Field_Superior_Email))));
        }
        else if (cleanEmail is not null && string.Equals(cleanEmail, participantEmail?.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            // Their own address would send the superior's survey to the alumnus.
            errors.Add(("superiorEmail", Text.Both(nameof(Texts.Field_Superior_EmailIsOwn))));
        }

        return (cleanName, cleanEmail, errors);
    }
}
