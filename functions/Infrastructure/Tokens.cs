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
    public const string ConfirmEmail = "confirm";

    /// <summary>The venue's code screen for one session (subject = session id): read-only, expires when check-in closes.</summary>
    public const string CodeScreen = "codescreen";

    /// <summary>A participant's personal door QR for presence-bound check-in (subject = participant id).</summary>
    public const string Presence = "presence";

    /// <summary>A person's own training record across cycles (cycle = "records", subject = NIP).</summary>
    public const string Records = "records";
}

/// <summary>What a verified token says. <see cref="Version"/> must equal the subject's current token version
/// (participants: <c>ParticipantEntity.TokenVersion</c>); a bump revokes every link issued before it.</summary>
public sealed record TokenClaims(string Purpose, string CycleId, string SubjectId, DateTimeOffset ExpiresAt, int Version = 0);

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
/// <c>v2|kid|purpose|cycle|subject|version|expiresUnix</c>. The key id is derived from the key (first 8 hex digits of
/// its SHA-256), so rotating is two settings: the new key in <c>TrainingCycles__TokenSigningKey</c> signs, the old one
/// in <c>TrainingCycles__TokenSigningKeyPrevious</c> still verifies the links already sent until it is removed.
/// Tokens of the first format (<c>v1|purpose|cycle|subject|expiresUnix</c>, no key id, version 0) are still read.
/// Hand-written because it is a dozen lines over the BCL's HMAC and needs no claims machinery.
/// </summary>
public sealed class Tokens
{
    private const int MaxTokenLength = 400;
    private readonly TimeProvider _time;
    private readonly SigningKey _current;
    private readonly SigningKey[] _verifying;

    public Tokens(IOptions<TrainingCyclesOptions> options, TimeProvider time)
    {
        _time = time;
        _current = new SigningKey(options.Value.SigningKeyBytes);
        _verifying = options.Value.PreviousSigningKeyBytes is { } previous ? [_current, new SigningKey(previous)] : [_current];
    }

    /// <summary>The id of the key that signs new tokens.</summary>
    public string CurrentKeyId => _current.Id;

    public string Create(string purpose, string cycleId, string subjectId, DateTimeOffset expiresAt, int version = 0)
    {
        var payload = string.Join('|', "v2", _current.Id, purpose, cycleId, subjectId,
            version.ToString(CultureInfo.InvariantCulture), expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        var bytes = Encoding.UTF8.GetBytes(payload);
        return Base64Url.EncodeToString(bytes) + "." + Base64Url.EncodeToString(_current.Sign(bytes));
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

        var parts = Encoding.UTF8.GetString(payload).Split('|');
        string[] fields; // purpose, cycle, subject, version, expires
        IEnumerable<SigningKey> keys;
        if (parts.Length == 7 && parts[0] == "v2")
        {
            keys = _verifying.Where(k => k.Id == parts[1]);
            fields = parts[2..];
        }
        else if (parts.Length == 5 && parts[0] == "v1")
        {
            keys = _verifying;
            fields = [parts[1], parts[2], parts[3], "0", parts[4]];
        }
        else
        {
            // Checked after the signature would leak nothing more: an unsigned payload is refused either way.
            return _verifying.Any(k => CryptographicOperations.FixedTimeEquals(signature, k.Sign(payload))) ? TokenProblem.Malformed : TokenProblem.BadSignature;
        }

        if (!keys.Any(k => CryptographicOperations.FixedTimeEquals(signature, k.Sign(payload))))
        {
            return TokenProblem.BadSignature;
        }

        if (!long.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out var expires) ||
            !int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return TokenProblem.Malformed;
        }

        if (!string.Equals(fields[0], purpose, StringComparison.Ordinal))
        {
            return TokenProblem.WrongPurpose;
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(expires);
        if (expiresAt <= _time.GetUtcNow())
        {
            return TokenProblem.Expired;
        }

        claims = new TokenClaims(fields[0], fields[1], fields[2], expiresAt, version);
        return TokenProblem.None;
    }

    private sealed class SigningKey(byte[] key)
    {
        public string Id { get; } = Convert.ToHexStringLower(SHA256.HashData(key))[..8];

        public byte[] Sign(byte[] payload) => HMACSHA256.HashData(key, payload);
    }
}
