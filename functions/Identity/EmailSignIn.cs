using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Identity;

/// <summary>One sign-in mail to send: ids and the link, never logged.</summary>
/// <param name="RequestId">Random id for logs and SendGrid's custom args (not a secret, not the link's nonce).</param>
public sealed record SignInMailRequest(string RequestId, string Email, string? DisplayName, string Link, string Language, int LifetimeMinutes);

/// <summary>Sends the sign-in mail. Implemented by the mail capability (<c>Reminders/SignInMail</c>), which sits above
/// Identity in the layer order; Identity only says what to send.</summary>
public interface ISignInMail
{
    Task SendAsync(SignInMailRequest request, CancellationToken cancellationToken);

    /// <summary>True for a failure worth trying again (SendGrid busy or unreachable).</summary>
    bool IsTransient(Exception exception);
}

/// <summary>What a sign-in link says once opened: who, in which language, until when, and its single-use nonce.</summary>
public sealed record SignInLink(string Nonce, string Email, string Language, DateTimeOffset ExpiresAt);

public enum LinkProblem
{
    None,
    Invalid,
    Expired,
}

/// <summary>
/// Passwordless sign-in by email. A link is a Data Protection payload (purpose <see cref="LinkPurpose"/>), not a
/// <see cref="Tokens"/> token: it is encrypted as well as authenticated, so the address it names is not readable from a
/// URL that passes through mail scanners and proxy logs; it rides the same key ring as the session cookie (rotated by
/// Data Protection, wrapped by Key Vault) and is not signed with the participant-link key, so neither secret opens the
/// other's door. The expiry is inside the payload and checked against the app's clock. Single use is a storage row keyed
/// by the link's nonce (<see cref="SignInStore.TryRedeemAsync"/>).
/// </summary>
public sealed class EmailSignIn(
    IDataProtectionProvider protection,
    SignInStore store,
    ISignInEligibility eligibility,
    ISignInMail mail,
    IOptions<EmailSignInOptions> options,
    IOptions<TrainingCyclesOptions> app,
    TimeProvider time,
    ILogger<EmailSignIn> logger)
{
    public const string LinkPurpose = "TrainingCycles.SignIn.Link.v1";
    private const int MaxLinkTokenLength = 1000;
    private readonly IDataProtector _protector = protection.CreateProtector(LinkPurpose);

    /// <summary>
    /// Handles "send me a link" for a well-formed, lower-case address. Returns whether a mail was started (the caller shows
    /// the same page either way). Known addresses within their limit get a mail; the send does not hold up the answer, so
    /// the response time does not tell a known address from an unknown one.
    /// </summary>
    public async Task<bool> RequestLinkAsync(string email, string language, CancellationToken cancellationToken)
    {
        var known = await eligibility.CheckAsync(email, cancellationToken);
        var settings = options.Value;
        // Unknown addresses count against the limit too: the rows then look the same for every address.
        if (!await store.TryTakeLinkSlotAsync(email, settings.LinksPerAddress, settings.AddressWindow, cancellationToken) || !known.Known)
        {
            return false;
        }

        var request = new SignInMailRequest(Ids.New("r", 16), email, known.DisplayName, CreateLink(email, language), language, settings.LinkLifetimeMinutes);
        _ = Task.Run(() => SendAsync(request), CancellationToken.None);
        return true;
    }

    private async Task SendAsync(SignInMailRequest request)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await mail.SendAsync(request, CancellationToken.None);
                return;
            }
            catch (Exception e) when (attempt < 3 && mail.IsTransient(e))
            {
                logger.LogWarning(e, "Sign-in mail {RequestId} not sent (attempt {Attempt}); retrying", request.RequestId, attempt);
                await Task.Delay(TimeSpan.FromSeconds(attempt * 2));
            }
            catch (Exception e)
            {
                // The person asks again; nothing was half-written (a link that does arrive is still redeemable once).
                logger.LogError(e, "Sign-in mail {RequestId} not sent", request.RequestId);
                return;
            }
        }
    }

    public string CreateLink(string email, string language)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(new LinkWire(Ids.New("n", 24), email, language == "en" ? "en" : "id", (time.GetUtcNow() + options.Value.LinkLifetime).ToUnixTimeSeconds()));
        var token = Base64Url.EncodeToString(_protector.Protect(payload));
        var query = language == "en" ? "&lang=en" : "";
        return new Uri(app.Value.PublicBaseUri, $"api/signin/link?t={token}{query}").ToString();
    }

    /// <summary>Opens a link token without using it up (the GET page, and the first step of redeeming).</summary>
    public LinkProblem Read(string? token, out SignInLink? link)
    {
        link = null;
        if (string.IsNullOrEmpty(token) || token.Length > MaxLinkTokenLength)
        {
            return LinkProblem.Invalid;
        }

        LinkWire? wire;
        try
        {
            wire = JsonSerializer.Deserialize<LinkWire>(_protector.Unprotect(Base64Url.DecodeFromChars(token)));
        }
        catch (Exception e) when (e is CryptographicException or FormatException or JsonException)
        {
            return LinkProblem.Invalid;
        }

        if (wire is null || string.IsNullOrEmpty(wire.N) || string.IsNullOrEmpty(wire.E))
        {
            return LinkProblem.Invalid;
        }

        link = new SignInLink(wire.N, wire.E, wire.L == "en" ? "en" : "id", DateTimeOffset.FromUnixTimeSeconds(wire.X));
        return link.ExpiresAt <= time.GetUtcNow() ? LinkProblem.Expired : LinkProblem.None;
    }

    /// <summary>Checks the address is still allowed, then uses the link up. Null: the link was already used (or the
    /// address lost its grant meanwhile: <paramref name="refused"/> true).</summary>
    public async Task<(bool Redeemed, bool NoLongerAllowed, string DisplayName)> RedeemAsync(SignInLink link, CancellationToken cancellationToken)
    {
        var known = await eligibility.CheckAsync(link.Email, cancellationToken);
        if (!known.Known)
        {
            return (false, true, "");
        }

        var redeemed = await store.TryRedeemAsync(link.Nonce, cancellationToken);
        return (redeemed, false, string.IsNullOrWhiteSpace(known.DisplayName) ? link.Email : known.DisplayName);
    }

    private sealed record LinkWire(string N, string E, string L, long X);
}
