using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace TrainingCycles.Infrastructure;

/// <summary>Application settings under <c>TrainingCycles__*</c>.</summary>
public sealed class TrainingCyclesOptions
{
    public const string SectionName = "TrainingCycles";

    /// <summary>Absolute base URL used in links sent to people (emails, QR codes), e.g. https://app.azurewebsites.net.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Base64 secret (at least 32 bytes) that signs participant tokens.</summary>
    public string? TokenSigningKey { get; set; }

    /// <summary>Optional: the signing key being rotated out (base64, at least 32 bytes). Links it signed keep working
    /// until it is removed; new links are signed with <see cref="TokenSigningKey"/>.</summary>
    public string? TokenSigningKeyPrevious { get; set; }

    /// <summary>Private blob container for certificate PDFs.</summary>
    public string CertificatesContainer { get; set; } = "certificates";

    /// <summary>Prefix for every table the app owns; lets several worlds (tests, demos) share one storage account.</summary>
    public string TablePrefix { get; set; } = "";

    /// <summary>Accepted form posts (registration, check-in) per client address per minute before a friendly 429.
    /// Posts refused for field errors are not counted; 120 lets an office of 60 behind one address register at once,
    /// each with a retry.</summary>
    public int FormPostsPerMinute { get; set; } = 120;

    /// <summary>Sign-in and roles (docs/security.md).</summary>
    public AccessOptions Access { get; set; } = new();

    /// <summary>Automation keys, each a named service identity with its own role (docs/security.md).</summary>
    public List<ServiceIdentityOptions> ServiceIdentities { get; set; } = [];

    public Uri PublicBaseUri => new(PublicBaseUrl!.TrimEnd('/') + "/");

    public byte[] SigningKeyBytes => Convert.FromBase64String(TokenSigningKey!);

    public byte[]? PreviousSigningKeyBytes => string.IsNullOrWhiteSpace(TokenSigningKeyPrevious) ? null : Convert.FromBase64String(TokenSigningKeyPrevious);
}

internal sealed partial class TrainingCyclesOptionsValidator : IValidateOptions<TrainingCyclesOptions>
{
    public ValidateOptionsResult Validate(string? name, TrainingCyclesOptions options)
    {
        var failures = new List<string>();
        const string p = TrainingCyclesOptions.SectionName + "__";

        if (!Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out var baseUri) || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"Setting '{p}{nameof(options.PublicBaseUrl)}' must be an absolute http(s) URL, e.g. http://localhost:7071 (got '{options.PublicBaseUrl}').");
        }

        if (string.IsNullOrWhiteSpace(options.TokenSigningKey))
        {
            failures.Add($"Setting '{p}{nameof(options.TokenSigningKey)}' is missing: a base64 secret of at least 32 bytes (e.g. `openssl rand -base64 32`).");
        }
        else
        {
            var bytes = new byte[options.TokenSigningKey.Length];
            if (!Convert.TryFromBase64String(options.TokenSigningKey, bytes, out var written) || written < 32)
            {
                failures.Add($"Setting '{p}{nameof(options.TokenSigningKey)}' must be base64 of at least 32 bytes.");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.TokenSigningKeyPrevious))
        {
            var bytes = new byte[options.TokenSigningKeyPrevious.Length];
            if (!Convert.TryFromBase64String(options.TokenSigningKeyPrevious, bytes, out var written) || written < 32)
            {
                failures.Add($"Setting '{p}{nameof(options.TokenSigningKeyPrevious)}' must be empty or base64 of at least 32 bytes.");
            }
        }

        if (!ContainerName().IsMatch(options.CertificatesContainer ?? ""))
        {
            failures.Add($"Setting '{p}{nameof(options.CertificatesContainer)}' must be a valid blob container name (3-63 lowercase letters, digits, hyphens).");
        }

        if (!TablePrefixPattern().IsMatch(options.TablePrefix ?? ""))
        {
            failures.Add($"Setting '{p}{nameof(options.TablePrefix)}' may only hold up to 20 letters and digits, starting with a letter.");
        }

        if (options.FormPostsPerMinute is < 1 or > 100_000)
        {
            failures.Add($"Setting '{p}{nameof(options.FormPostsPerMinute)}' must be between 1 and 100000.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex ContainerName();

    [GeneratedRegex("^([A-Za-z][A-Za-z0-9]{0,19})?$")]
    private static partial Regex TablePrefixPattern();
}

/// <summary><c>TrainingCycles__Access__*</c>.</summary>
public sealed class AccessOptions
{
    /// <summary>Comma-separated emails or user ids (<c>aad:…</c>) who are administrators without a stored grant:
    /// how the first administrator gets in. Granted roles are rows; these are not, and cannot be revoked from the API.</summary>
    public string FirstAdministrators { get; set; } = "";
}

/// <summary><c>TrainingCycles__ServiceIdentities__N__*</c>: one automation key. Only the key's SHA-256 is stored.</summary>
public sealed class ServiceIdentityOptions
{
    /// <summary>Named in the audit trail as <c>service:&lt;Name&gt;</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>SHA-256 of the key, 64 hex digits; empty turns the identity off.</summary>
    public string KeyHash { get; set; } = "";

    /// <summary>administrator, organizer, instructor, coordinator or viewer.</summary>
    public string Role { get; set; } = "";

    /// <summary>A cycle id, or empty for all cycles.</summary>
    public string Scope { get; set; } = "";
}
