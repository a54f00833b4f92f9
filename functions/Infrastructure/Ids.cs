using System.Security.Cryptography;
using System.Text;

namespace TrainingCycles.Infrastructure;

/// <summary>Unguessable identifiers (96-128 random bits) and stable hashes for index rows.</summary>
public static class Ids
{
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyz23456789"; // no l, o, 0, 1: readable aloud and on paper

    public static string New(string prefix, int length = 20) => prefix + RandomString(length);

    public static string RandomString(int length)
    {
        Span<byte> bytes = stackalloc byte[length];
        RandomNumberGenerator.Fill(bytes);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Alphabet[bytes[i] % Alphabet.Length]; // 256 % 32 == 0: no modulo bias
        }

        return new string(chars);
    }

    /// <summary>Row-key-safe hash of a value within a cycle (keeps raw emails and NIPs out of keys and storage logs).</summary>
    public static string IndexHash(string cycleId, string value) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(cycleId + "\n" + value)))[..40].ToLowerInvariant();

    /// <summary>True for ids this app could have made: guards table keys against odd input before any lookup.</summary>
    public static bool LooksValid(string? id, string prefix, int length = 20) =>
        id is not null && id.Length == prefix.Length + length && id.StartsWith(prefix, StringComparison.Ordinal) &&
        id.AsSpan(prefix.Length).IndexOfAnyExcept(Alphabet) < 0;
}
