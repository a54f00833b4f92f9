using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace TrainingCycles.Identity;

/// <summary>Email sign-in settings under <c>TrainingCycles__SignIn__*</c>.</summary>
public sealed class EmailSignInOptions
{
    public const string SectionName = "TrainingCycles__SignIn";

    /// <summary>Minutes a sign-in link can be redeemed (once) after it was sent.</summary>
    public int LinkLifetimeMinutes { get; set; } = 15;

    /// <summary>Hours a session cookie lasts from sign-in (absolute: activity does not extend it).</summary>
    public int SessionHours { get; set; } = 8;

    /// <summary>Sign-in links one address may receive within <see cref="AddressWindowMinutes"/>; later requests get the same
    /// neutral page and no mail.</summary>
    public int LinksPerAddress { get; set; } = 3;

    public int AddressWindowMinutes { get; set; } = 15;

    /// <summary>Base64 AES-256 key (32 bytes) that wraps the Data Protection key ring at rest. On Azure it is a Key Vault
    /// reference and required; elsewhere, when empty, a development key derived from the token signing key is used.</summary>
    public string? KeyWrappingKey { get; set; }

    /// <summary>Optional: the wrapping key being rotated out; keys it wrapped are still read.</summary>
    public string? KeyWrappingKeyPrevious { get; set; }

    /// <summary>Private blob container holding the Data Protection key ring (shared by every instance).</summary>
    public string KeyContainer { get; set; } = "dataprotection-keys";

    public TimeSpan LinkLifetime => TimeSpan.FromMinutes(LinkLifetimeMinutes);

    public TimeSpan SessionLifetime => TimeSpan.FromHours(SessionHours);

    public TimeSpan AddressWindow => TimeSpan.FromMinutes(AddressWindowMinutes);
}

/// <summary>Fails start-up with the setting's name. In Azure (the platform sets <c>WEBSITE_INSTANCE_ID</c>) the key-wrapping
/// key is required: without it the key ring would sit in Blob storage readable by anyone with blob read access.</summary>
internal sealed class EmailSignInOptionsValidator(IConfiguration configuration) : IValidateOptions<EmailSignInOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailSignInOptions options)
    {
        const string p = "TrainingCycles__SignIn__";
        var failures = new List<string>();
        if (options.LinkLifetimeMinutes is < 1 or > 60)
        {
            failures.Add($"Setting '{p}{nameof(options.LinkLifetimeMinutes)}' must be between 1 and 60.");
        }

        if (options.SessionHours is < 1 or > 24)
        {
            failures.Add($"Setting '{p}{nameof(options.SessionHours)}' must be between 1 and 24.");
        }

        if (options.LinksPerAddress is < 1 or > 100)
        {
            failures.Add($"Setting '{p}{nameof(options.LinksPerAddress)}' must be between 1 and 100.");
        }

        if (options.AddressWindowMinutes is < 1 or > 1440)
        {
            failures.Add($"Setting '{p}{nameof(options.AddressWindowMinutes)}' must be between 1 and 1440.");
        }

        if (string.IsNullOrWhiteSpace(options.KeyWrappingKey))
        {
            if (RunsOnAzure(configuration))
            {
                failures.Add($"Setting '{p}{nameof(options.KeyWrappingKey)}' is missing: on Azure it must be a Key Vault reference to a base64 secret of 32 bytes " +
                             "(openssl rand -base64 32) that wraps the sign-in key ring; see docs/deploy.md.");
            }
        }
        else if (options.KeyWrappingKey.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"Setting '{p}{nameof(options.KeyWrappingKey)}' is a Key Vault reference that did not resolve: check that the secret exists " +
                         "and that the app's identity has 'Key Vault Secrets User' on the vault (docs/deploy.md).");
        }
        else if (KeyRingEncryptor.ParseKey(options.KeyWrappingKey) is null)
        {
            failures.Add($"Setting '{p}{nameof(options.KeyWrappingKey)}' must be base64 of exactly 32 bytes.");
        }

        if (!string.IsNullOrWhiteSpace(options.KeyWrappingKeyPrevious) && KeyRingEncryptor.ParseKey(options.KeyWrappingKeyPrevious) is null)
        {
            failures.Add($"Setting '{p}{nameof(options.KeyWrappingKeyPrevious)}' must be empty or base64 of exactly 32 bytes.");
        }

        if (!System.Text.RegularExpressions.Regex.IsMatch(options.KeyContainer ?? "", "^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$"))
        {
            failures.Add($"Setting '{p}{nameof(options.KeyContainer)}' must be a valid blob container name (3-63 lowercase letters, digits, hyphens).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>App Service and Functions set <c>WEBSITE_INSTANCE_ID</c> on every instance; Core Tools and the dev host do not.</summary>
    public static bool RunsOnAzure(IConfiguration configuration) => !string.IsNullOrEmpty(configuration["WEBSITE_INSTANCE_ID"]);
}
