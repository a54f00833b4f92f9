using PdfSharp.Fonts;

namespace TrainingCycles.Certificates.Pdf;

/// <summary>
/// Serves the Liberation Serif faces embedded in this assembly (see <c>Certificates/Fonts</c>) to PDFsharp, which
/// finds no system fonts on Linux. Registered once per process by <see cref="EnsureRegistered"/>.
/// </summary>
internal sealed class CertificateFonts : IFontResolver
{
    public const string Family = "Liberation Serif";

    private const string ResourcePrefix = "TrainingCycles.Certificates.Fonts.";
    private const string Regular = "LiberationSerif-Regular";
    private const string Bold = "LiberationSerif-Bold";
    private const string Italic = "LiberationSerif-Italic";

    // PDFsharp demands the very same resolver instance on every assignment, so there is exactly one.
    private static readonly CertificateFonts Instance = new();
    private static readonly Lock RegistrationLock = new();
    private static volatile bool registered;

    private readonly Dictionary<string, byte[]> faces = new(StringComparer.Ordinal);
    private readonly Lock facesLock = new();

    private CertificateFonts()
    {
    }

    /// <summary>
    /// Makes the embedded faces resolvable before the first <c>XFont</c> is created. Idempotent and thread-safe. If
    /// other code in the process already installed its own resolver, ours becomes the fallback, so both work.
    /// </summary>
    public static void EnsureRegistered()
    {
        if (registered)
        {
            return;
        }

        lock (RegistrationLock)
        {
            if (registered)
            {
                return;
            }

            var current = GlobalFontSettings.FontResolver;
            if (current is null || ReferenceEquals(current, Instance))
            {
                GlobalFontSettings.FontResolver = Instance;
            }
            else if (GlobalFontSettings.FallbackFontResolver is null
                     || ReferenceEquals(GlobalFontSettings.FallbackFontResolver, Instance))
            {
                GlobalFontSettings.FallbackFontResolver = Instance;
            }
            else
            {
                throw new InvalidOperationException(
                    "PDFsharp already has a font resolver and a fallback resolver; certificate fonts cannot be registered.");
            }

            registered = true;
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic)
    {
        if (!string.Equals(familyName, Family, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // Bold italic is never used on a certificate; if asked, PDFsharp slants the bold face.
        return (bold, italic) switch
        {
            (true, false) => new FontResolverInfo(Bold),
            (true, true) => new FontResolverInfo(Bold, mustSimulateBold: false, mustSimulateItalic: true),
            (false, true) => new FontResolverInfo(Italic),
            _ => new FontResolverInfo(Regular),
        };
    }

    public byte[]? GetFont(string faceName)
    {
        lock (facesLock)
        {
            if (faces.TryGetValue(faceName, out var cached))
            {
                return cached;
            }

            using var stream = typeof(CertificateFonts).Assembly.GetManifestResourceStream(ResourcePrefix + faceName + ".ttf");
            if (stream is null)
            {
                return null;
            }

            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            faces[faceName] = bytes;
            return bytes;
        }
    }
}
