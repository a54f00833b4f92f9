using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TrainingCycles.Attendance;

/// <summary>The code shown at the venue for one session during one time step.</summary>
public sealed record SessionCode(string Code, long Step, DateTimeOffset ValidFrom, DateTimeOffset ValidUntil)
{
    /// <summary>The code is still accepted for one more step after it stops being shown.</summary>
    public DateTimeOffset AcceptedUntil => ValidUntil + SessionCodes.Step;
}

/// <summary>
/// Rotating 6-digit session codes, TOTP-style (RFC 6238 with RFC 4226 dynamic truncation) over HMAC-SHA256:
/// key = the cycle's <c>CheckInSecret</c>, message = <c>"{sessionId}|{step}"</c>, step = Unix seconds / 60.
/// A code therefore belongs to one cycle (its secret) and one session (its id), and the current and the previous
/// step are accepted, so a code lives 60–120 s: long enough to type at the door, too short to be worth forwarding.
/// Hand-written because it is a few lines over the BCL's HMAC, and TOTP libraries hash a bare counter: binding
/// the session id into the message is exactly what they do not offer.
/// </summary>
public static class SessionCodes
{
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(60);

    public const int Digits = 6;

    public static long StepAt(DateTimeOffset at) => Math.DivRem(at.ToUnixTimeSeconds(), (long)Step.TotalSeconds, out var rem) - (rem < 0 ? 1 : 0);

    public static SessionCode Current(string secretBase64, string sessionId, DateTimeOffset now)
    {
        var step = StepAt(now);
        var from = DateTimeOffset.FromUnixTimeSeconds(step * (long)Step.TotalSeconds);
        return new SessionCode(Compute(Convert.FromBase64String(secretBase64), sessionId, step), step, from, from + Step);
    }

    /// <summary>True when <paramref name="code"/> is this session's code for the current or the previous step.</summary>
    public static bool Verify(string secretBase64, string sessionId, string? code, DateTimeOffset now)
    {
        if (code is not { Length: Digits } || !code.All(char.IsAsciiDigit))
        {
            return false;
        }

        var secret = Convert.FromBase64String(secretBase64);
        var step = StepAt(now);
        var given = Encoding.ASCII.GetBytes(code);
        // Both steps are always compared, in constant time, so timing says nothing about which one matched.
        var current = CryptographicOperations.FixedTimeEquals(given, Encoding.ASCII.GetBytes(Compute(secret, sessionId, step)));
        var previous = CryptographicOperations.FixedTimeEquals(given, Encoding.ASCII.GetBytes(Compute(secret, sessionId, step - 1)));
        return current | previous;
    }

    public static string Compute(byte[] secret, string sessionId, long step)
    {
        var hash = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(sessionId + "|" + step.ToString(CultureInfo.InvariantCulture)));
        // RFC 4226 §5.3 dynamic truncation: 31 bits from the offset named by the low nibble of the last byte.
        var offset = hash[^1] & 0x0F;
        var binary = BinaryPrimitives.ReadInt32BigEndian(hash.AsSpan(offset, 4)) & 0x7FFF_FFFF;
        return (binary % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
    }

    /// <summary>What people type: digits, perhaps with spaces or a hyphen ("123 456"); anything else is kept so it fails.</summary>
    public static string Normalize(string? input) =>
        new((input ?? "").Where(c => !char.IsWhiteSpace(c) && c != '-').Select(c => c is >= '０' and <= '９' ? (char)('0' + (c - '０')) : c).ToArray());
}
