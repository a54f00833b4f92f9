using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Identity;

/// <summary>
/// The platform's Easy Auth principal (<c>X-MS-CLIENT-PRINCIPAL</c>: base64 JSON with <c>auth_typ</c>, <c>claims</c>,
/// <c>name_typ</c>, <c>role_typ</c>). Trusted only where the platform sets it and strips what clients send: on Azure
/// with App Service Authentication on (<c>WEBSITE_AUTH_ENABLED=True</c>, set by the platform) and in the dev host,
/// whose emulator does the same. Anywhere else the header is ignored. Roles in the principal are ignored too: roles
/// are the app's rows.
/// </summary>
public sealed class EasyAuthPrincipalSource(IConfiguration configuration) : ICallerSource
{
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL";
    public const string EnabledSetting = "WEBSITE_AUTH_ENABLED";
    private const int MaxHeaderLength = 16 * 1024;

    private static readonly string[] IdClaims = ["http://schemas.microsoft.com/identity/claims/objectidentifier", "oid"];
    private static readonly string[] EmailClaims = ["preferred_username", "email", "emails", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn", "upn"];
    private static readonly string[] NameClaims = ["name", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"];

    public bool Enabled => string.Equals(configuration[EnabledSetting]?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    public Task<CallerResult> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(Enabled ? Parse(request.Headers[PrincipalHeader].ToString()) : CallerResult.NotPresented);

    /// <summary>The principal in the header's value; malformed or incomplete → refused (401), never a 500.</summary>
    public static CallerResult Parse(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return CallerResult.NotPresented;
        }

        if (header.Length > MaxHeaderLength)
        {
            return CallerResult.Refused("invalid_principal");
        }

        try
        {
            var json = Convert.FromBase64String(header.Trim());
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("claims", out var claims) || claims.ValueKind != JsonValueKind.Array)
            {
                return CallerResult.Refused("invalid_principal");
            }

            var nameType = root.TryGetProperty("name_typ", out var nt) && nt.ValueKind == JsonValueKind.String ? nt.GetString() : null;
            var values = new List<(string Type, string Value)>();
            foreach (var claim in claims.EnumerateArray())
            {
                if (claim.ValueKind == JsonValueKind.Object && claim.TryGetProperty("typ", out var typ) && typ.ValueKind == JsonValueKind.String &&
                    claim.TryGetProperty("val", out var val) && val.ValueKind == JsonValueKind.String)
                {
                    values.Add((typ.GetString()!, val.GetString()!));
                }
            }

            string? First(IEnumerable<string> types) => types.Select(t => values.FirstOrDefault(v => string.Equals(v.Type, t, StringComparison.OrdinalIgnoreCase)).Value)
                .FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

            var id = PlainText.Line(First(IdClaims), 128);
            if (id.Length == 0 || id.Any(c => c is '/' or '\\' or '#' or '?' || char.IsWhiteSpace(c)))
            {
                return CallerResult.Refused("invalid_principal");
            }

            var emailText = PlainText.Line(First(EmailClaims), Subjects.MaxLength).ToLowerInvariant();
            var email = Subjects.Normalize(emailText) is { } subject && subject.StartsWith("email:", StringComparison.Ordinal) ? subject[6..] : null;
            var name = PlainText.Line(First(NameClaims.Prepend(nameType ?? "name")), 200);
            return CallerResult.Success(new AuthenticatedUser("aad:" + id, name.Length > 0 ? name : email ?? id, email, "easyauth"));
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or DecoderFallbackException)
        {
            return CallerResult.Refused("invalid_principal");
        }
    }
}

/// <summary>
/// Automation keys: the <c>x-functions-key</c> header (never a query parameter: no secret in a URL) matched by SHA-256
/// in constant time against <c>TrainingCycles__ServiceIdentities__N__KeyHash</c>. A key that matches none is refused.
/// </summary>
public sealed class ServiceKeySource(IOptions<TrainingCyclesOptions> options) : ICallerSource
{
    public const string KeyHeader = "x-functions-key";

    public Task<CallerResult> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var presented = request.Headers[KeyHeader].ToString();
        if (presented.Length == 0)
        {
            return Task.FromResult(CallerResult.NotPresented);
        }

        return Task.FromResult(Find(presented) is { } identity
            ? CallerResult.Success(new AuthenticatedUser("service:" + identity.Name, identity.Name, null, "service"))
            : CallerResult.Refused("invalid_key"));
    }

    public ServiceIdentityOptions? Find(string presented)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        ServiceIdentityOptions? found = null;
        foreach (var identity in options.Value.ServiceIdentities)
        {
            // Every identity is compared (no early exit), each in constant time.
            if (TryHash(identity.KeyHash, out var expected) && CryptographicOperations.FixedTimeEquals(hash, expected) && found is null)
            {
                found = identity;
            }
        }

        return found;
    }

    public static string HashOf(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    internal static bool TryHash(string? hex, out byte[] bytes)
    {
        bytes = [];
        if (hex is not { Length: 64 })
        {
            return false;
        }

        try
        {
            bytes = Convert.FromHexString(hex);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>Grants that are settings, not rows: the first administrators, and the role of each service identity.</summary>
public sealed class ConfiguredGrants(IOptions<TrainingCyclesOptions> options)
{
    public IReadOnlyList<AccessGrant> For(AuthenticatedUser user)
    {
        var result = new List<AccessGrant>();
        var emailSubject = user.Email is { Length: > 0 } e ? Subjects.ForEmail(e) : null;
        foreach (var entry in FirstAdministrators())
        {
            if (string.Equals(entry, user.UserId, StringComparison.Ordinal) || (emailSubject is not null && string.Equals(entry, emailSubject, StringComparison.Ordinal)))
            {
                result.Add(new AccessGrant("setting:first-administrator", entry, Roles.Administrator, null, null, null, "setting", null, null, null));
                break;
            }
        }

        if (user.Method == "service")
        {
            foreach (var identity in options.Value.ServiceIdentities.Where(i => "service:" + i.Name == user.UserId && ServiceKeySource.TryHash(i.KeyHash, out _)))
            {
                if (Roles.Normalize(identity.Role) is { } role)
                {
                    var scope = string.IsNullOrWhiteSpace(identity.Scope) ? null : identity.Scope.Trim();
                    result.Add(new AccessGrant("service:" + identity.Name, user.UserId, role, scope, null, null, "service", null, null, null));
                }
            }
        }

        return result;
    }

    public IEnumerable<string> FirstAdministrators() =>
        options.Value.Access.FirstAdministrators.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(Subjects.Normalize).OfType<string>();
}

/// <summary>Start-up checks of the access settings, naming the setting.</summary>
internal sealed class AccessOptionsValidator : IValidateOptions<TrainingCyclesOptions>
{
    public ValidateOptionsResult Validate(string? name, TrainingCyclesOptions options)
    {
        var failures = new List<string>();
        const string p = TrainingCyclesOptions.SectionName + "__";
        foreach (var entry in options.Access.FirstAdministrators.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Subjects.Normalize(entry) is null)
            {
                failures.Add($"Setting '{p}Access__FirstAdministrators' holds '{entry}', which is neither an email address nor a user id (aad:…).");
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.ServiceIdentities.Count; i++)
        {
            var identity = options.ServiceIdentities[i];
            if (string.IsNullOrWhiteSpace(identity.KeyHash))
            {
                continue; // an identity without a key is off
            }

            if (!ServiceKeySource.TryHash(identity.KeyHash, out _))
            {
                failures.Add($"Setting '{p}ServiceIdentities__{i}__KeyHash' must be the SHA-256 of the key as 64 hex digits (e.g. `printf %s \"$KEY\" | sha256sum`).");
            }

            if (identity.Name.Length is 0 or > 64 || !identity.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || !names.Add(identity.Name))
            {
                failures.Add($"Setting '{p}ServiceIdentities__{i}__Name' must be a unique name of letters, digits, '-', '_' or '.' (got '{identity.Name}').");
            }

            if (Roles.Normalize(identity.Role) is null)
            {
                failures.Add($"Setting '{p}ServiceIdentities__{i}__Role' must be one of {string.Join(", ", Roles.All)} (got '{identity.Role}').");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
