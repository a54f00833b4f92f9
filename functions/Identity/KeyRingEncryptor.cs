using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Identity;

/// <summary>
/// The key-encryption keys that wrap the Data Protection key ring at rest: the current one (from
/// <c>TrainingCycles__SignIn__KeyWrappingKey</c>, on Azure a Key Vault reference) wraps new keys; the previous one, if set,
/// still unwraps. Without a setting outside Azure, a development key is derived from the token signing key (HKDF), so a
/// laptop needs no extra secret and its key ring survives restarts; the validator refuses that on Azure.
/// </summary>
public sealed class KeyWrappingKeys
{
    public KeyWrappingKeys(IOptions<EmailSignInOptions> signIn, IOptions<TrainingCyclesOptions> app)
    {
        var current = KeyRingEncryptor.ParseKey(signIn.Value.KeyWrappingKey)
            ?? HKDF.DeriveKey(HashAlgorithmName.SHA256, app.Value.SigningKeyBytes, 32, info: Encoding.UTF8.GetBytes("TrainingCycles.KeyRing.DevelopmentWrappingKey.v1"));
        Current = new WrappingKey(current);
        All = KeyRingEncryptor.ParseKey(signIn.Value.KeyWrappingKeyPrevious) is { } previous ? [Current, new WrappingKey(previous)] : [Current];
        IsDerived = KeyRingEncryptor.ParseKey(signIn.Value.KeyWrappingKey) is null;
    }

    public WrappingKey Current { get; }

    public IReadOnlyList<WrappingKey> All { get; }

    /// <summary>True when no wrapping key is configured and the development key is in use.</summary>
    public bool IsDerived { get; }

    public sealed class WrappingKey(byte[] key)
    {
        /// <summary>First 8 hex digits of SHA-256 of the key: names the key without revealing it.</summary>
        public string Id { get; } = Convert.ToHexStringLower(SHA256.HashData(key))[..8];

        public byte[] Key { get; } = key;
    }
}

/// <summary>
/// <see cref="IXmlEncryptor"/> for the key ring: each key's XML is sealed with AES-256-GCM under the wrapping key
/// (random 96-bit nonce, the key id as associated data). Data Protection writes the result through
/// <see cref="BlobXmlRepository"/> and later asks <see cref="KeyRingDecryptor"/> (named in the XML) to open it. Written here
/// because the Azure Key Vault adapter package is not available; the wrapping key itself lives in Key Vault as a secret.
/// </summary>
public sealed class KeyRingEncryptor(KeyWrappingKeys keys) : IXmlEncryptor
{
    public static readonly XNamespace Ns = "urn:trainingcycles:keyring:v1";
    private static readonly byte[] Context = Encoding.UTF8.GetBytes("TrainingCycles.KeyRing.v1|");

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var key = keys.Current;
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(12);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[16];
        using (var aes = new AesGcm(key.Key, 16))
        {
            aes.Encrypt(nonce, plaintext, ciphertext, tag, AssociatedData(key.Id));
        }

        CryptographicOperations.ZeroMemory(plaintext);
        var element = new XElement(Ns + "wrappedKey",
            new XAttribute("kid", key.Id),
            new XAttribute("nonce", Convert.ToBase64String(nonce)),
            new XAttribute("tag", Convert.ToBase64String(tag)),
            Convert.ToBase64String(ciphertext));
        return new EncryptedXmlInfo(element, typeof(KeyRingDecryptor));
    }

    internal static byte[] AssociatedData(string keyId) => [.. Context, .. Encoding.ASCII.GetBytes(keyId)];

    /// <summary>The 32 key bytes, or null when the text is empty or not base64 of exactly 32 bytes.</summary>
    public static byte[]? ParseKey(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return null;
        }

        var bytes = new byte[base64.Length];
        return Convert.TryFromBase64String(base64.Trim(), bytes, out var written) && written == 32 ? bytes[..32] : null;
    }
}

/// <summary>Opens what <see cref="KeyRingEncryptor"/> sealed. Data Protection creates it by type name with the service
/// provider, so it takes the keys from there. A wrong or missing wrapping key fails loudly (the key cannot be used),
/// never silently: the app then cannot read cookies, and says which key id it lacks.</summary>
public sealed class KeyRingDecryptor(IServiceProvider services) : IXmlDecryptor
{
    private readonly KeyWrappingKeys _keys = services.GetRequiredService<KeyWrappingKeys>();

    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var kid = (string?)encryptedElement.Attribute("kid") ?? "";
        var key = _keys.All.FirstOrDefault(k => k.Id == kid)
            ?? throw new CryptographicException($"The sign-in key ring was wrapped with key '{kid}', which is not configured (TrainingCycles__SignIn__KeyWrappingKey / __KeyWrappingKeyPrevious).");
        var nonce = Convert.FromBase64String((string?)encryptedElement.Attribute("nonce") ?? "");
        var tag = Convert.FromBase64String((string?)encryptedElement.Attribute("tag") ?? "");
        var ciphertext = Convert.FromBase64String(encryptedElement.Value);
        var plaintext = new byte[ciphertext.Length];
        using (var aes = new AesGcm(key.Key, 16))
        {
            aes.Decrypt(nonce, ciphertext, tag, plaintext, KeyRingEncryptor.AssociatedData(kid));
        }

        try
        {
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
