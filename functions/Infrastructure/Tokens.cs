using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace TrainingCycles.Infrastructure;

/// <summary>What a participant link is for; a token for one purpose is refused for any other.</summary>
public static class TokenPurpose
{
    public const string Invite = "invite";
    public const string Manage = "manage";
    public const string CheckIn = "checkin";
    public const string Download = "download";

    /// <summary>The venue's code screen for one session (subject = session id): read-only, expires when check-in closes.</summary>
    public const string CodeScreen = "codescreen";

    /// <summary>A participant's personal door QR for presence-bound check-in (subject = participant id).</summary>
    public const string Presence = "presence";
}

public sealed record TokenClaims(string Purpose, string CycleId, string SubjectId, DateTimeOffset ExpiresAt);

public enum TokenProblem
{
    None,
    Missing,
    Malformed,
    BadSignature,
    WrongPurpose,
    Expired,
}

/// <summary>
/// Signed, expiring participant tokens: <c>base64url(payload).base64url(HMAC-SHA256(payload))</c> with payload
/// <c>v1|purpose|cycle|subject|expiresUnix</c>. Hand-written because it is a dozen lines over the BCL's HMAC and
/// needs no claims machinery; the key comes from <c>TrainingCycles__TokenSigningKey</c>.
/// </summary>
public sealed class Tokens(IOptions<TrainingCyclesOptions> options, TimeProvider time)
{
    private const int MaxTokenLength = 400;

    public string Create(string purpose, string cycleId, string subjectId, DateTimeOffset expiresAt)
    {
        var payload = string.Join('|', "v1", purpose, cycleId, subjectId, expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        var bytes = Encoding.UTF8.GetBytes(payload);
        return Base64Url.EncodeToString(bytes) + "." + Base64Url.EncodeToString(Sign(bytes));
    }

    public TokenProblem Validate(string? token, string purpose, out TokenClaims? claims)
    {
        claims = null;
        if (string.IsNullOrEmpty(token))
        {
            return TokenProblem.Missing;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (token.Length > MaxTokenLength || dot <= 0)
        {
            return TokenProblem.Malformed;
        }

        byte[] payload;
        byte[] signature;
        try
        {
            payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return TokenProblem.Malformed;
        }

        if (!CryptographicOperations.FixedTimeEquals(signature, Sign(payload)))
        {
            return TokenProblem.BadSignature;
        }

        var parts = Encoding.UTF8.GetString(payload).Split('|');
        if (parts.Length != 5 || parts[0] != "v1" || !long.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            return TokenProblem.Malformed;
        }

        if (!string.Equals(parts[1], purpose, StringComparison.Ordinal))
        {
            return TokenProblem.WrongPurpose;
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(expires);
        if (expiresAt <= time.GetUtcNow())
        {
            return TokenProblem.Expired;
        }

        claims = new TokenClaims(parts[1], parts[2], parts[3], expiresAt);
        return TokenProblem.None;
    }

    private byte[] Sign(byte[] payload) => HMACSHA256.HashData(options.Value.SigningKeyBytes, payload);
}
