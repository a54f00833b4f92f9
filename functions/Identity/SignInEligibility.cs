using Microsoft.Extensions.Configuration;

namespace TrainingCycles.Identity;

/// <summary>Whether an address may receive a sign-in link, and the name to show for it.</summary>
/// <param name="Known">True when a mail may be sent (the address has a grant, or is a configured first administrator).</param>
/// <param name="DisplayName">The name the session carries; null falls back to the address.</param>
public sealed record SignInEligibilityResult(bool Known, string? DisplayName = null)
{
    public static readonly SignInEligibilityResult Unknown = new(false);
}

/// <summary>
/// Decides whether a sign-in link is mailed (and is checked again when the link is redeemed). The sign-in form answers
/// the same page either way, so this never leaks to the person asking. The roles work replaces the default by
/// registering its own <c>services.AddSingleton&lt;ISignInEligibility, …&gt;()</c> after <c>AddTrainingCycles</c>
/// (or in its place: the composition root uses TryAdd).
/// </summary>
public interface ISignInEligibility
{
    /// <param name="email">Lower-case, trimmed, well-formed address.</param>
    Task<SignInEligibilityResult> CheckAsync(string email, CancellationToken cancellationToken);
}

/// <summary>Until roles are stored: only the addresses in <c>TrainingCycles__Access__FirstAdministrators</c>
/// (comma, semicolon or space separated) may sign in by email.</summary>
public sealed class FirstAdministratorsEligibility(IConfiguration configuration) : ISignInEligibility
{
    public const string SettingName = "TrainingCycles:Access:FirstAdministrators";

    public Task<SignInEligibilityResult> CheckAsync(string email, CancellationToken cancellationToken)
    {
        var listed = (configuration[SettingName] ?? "")
            .Split([',', ';', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(a => string.Equals(a, email, StringComparison.OrdinalIgnoreCase));
        return Task.FromResult(listed ? new SignInEligibilityResult(true) : SignInEligibilityResult.Unknown);
    }
}

/// <summary>
/// The deployment's rule: an address may receive a sign-in link when it holds a stored grant (granted to
/// <c>email:&lt;address&gt;</c> by an administrator) or is a configured first administrator. Read from storage on every
/// request, so a grant made on one instance lets the person sign in through any other at once, and a revoked one stops.
/// </summary>
public sealed class GrantEligibility(GrantStore grants, ConfiguredGrants configured) : ISignInEligibility
{
    public async Task<SignInEligibilityResult> CheckAsync(string email, CancellationToken cancellationToken)
    {
        var user = new AuthenticatedUser(Subjects.ForEmail(email), email, email, "email");
        if (configured.For(user).Count > 0 || (await grants.ForUserAsync(user, cancellationToken)).Count > 0)
        {
            return new SignInEligibilityResult(true);
        }

        return SignInEligibilityResult.Unknown;
    }
}
