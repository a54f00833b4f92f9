using System.Buffers.Binary;
using Azure;
using Azure.Storage.Blobs.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TrainingCycles.Certificates.Pdf;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Certificates;

/// <summary>
/// The organizer's logo for a cycle's certificates: the request body is the image itself (PNG or JPEG, at most
/// <see cref="MaxLogoBytes"/>). It is judged by its content, never by its name or Content-Type: the magic bytes, the
/// stated size of a PNG, and whether the PDF renderer can actually draw it. Only then is it stored, privately, beside
/// the cycle's PDFs; a refused upload stores nothing and leaves the previous logo in place. Certificates issued from
/// then on carry it.
/// </summary>
public sealed class CertificateLogoFunctions(CertificateIssuer issuer, CycleStore cycles, AuditLog audit)
{
    public const int MaxLogoBytes = 512 * 1024;

    /// <summary>Largest side in pixels: a logo is printed 1 inch wide; more only costs memory when decoding.</summary>
    public const int MaxLogoPixels = 4096;

    private const string Route = "cycles/{cycleId}/certificate-logo";

    [Function(nameof(UploadCertificateLogo))]

    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> UploadCertificateLogo(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Route)] HttpRequest request,
        string cycleId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        if (await cycles.GetAsync(cycleId, cancellationToken) is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var tooLarge = Http.Error(StatusCodes.Status413PayloadTooLarge, "logo_too_large", nameof(Texts.Error_Cert_LogoTooLarge), [MaxLogoBytes / 1024]);
        if (request.ContentLength > MaxLogoBytes)
        {
            return tooLarge;
        }

        var image = await ReadAsync(request.Body, cancellationToken);
        if (image is null)
        {
            return tooLarge;
        }

        var contentType = Sniff(image);
        if (image.Length == 0 || contentType is null)
        {
            return Http.Error(StatusCodes.Status415UnsupportedMediaType, "logo_not_an_image", nameof(Texts.Error_Cert_LogoNotAnImage));
        }

        if (contentType == "image/png" && PngSize(image) is not ({ } size and { Width: > 0 and <= MaxLogoPixels, Height: > 0 and <= MaxLogoPixels }))
        {
            return Http.Error(StatusCodes.Status422UnprocessableEntity, "logo_dimensions", nameof(Texts.Error_Cert_LogoDimensions), [MaxLogoPixels]);
        }

        if (!CertificateRenderer.CanDrawLogo(image))
        {
            return Http.Error(StatusCodes.Status422UnprocessableEntity, "logo_unreadable", nameof(Texts.Error_Cert_LogoUnreadable));
        }

        await issuer.Container.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: cancellationToken);
        var blob = issuer.Container.GetBlobClient(CertificateIssuer.LogoBlobName(cycleId));
        await blob.UploadAsync(new BinaryData(image), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } }, cancellationToken);
        await audit.WriteAsync(cycleId, AuditActors.Of(request), "certificate.logo-uploaded", details: $"{contentType}, {image.Length} bytes", cancellationToken: cancellationToken);
        return Http.Ok(new { cycleId, contentType, bytes = image.Length });
    }

    [Function(nameof(GetCertificateLogo))]

    [Requires(Permission.ViewCycle, AccessScope.Cycle)]
    public async Task<IActionResult> GetCertificateLogo(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest request,
        string cycleId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        if (await cycles.GetAsync(cycleId, cancellationToken) is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        try
        {
            var properties = (await issuer.Container.GetBlobClient(CertificateIssuer.LogoBlobName(cycleId)).GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            return Http.Ok(new { cycleId, hasLogo = true, contentType = properties.ContentType, bytes = properties.ContentLength, uploadedAt = properties.LastModified });
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return Http.Ok(new { cycleId, hasLogo = false });
        }
    }

    [Function(nameof(DeleteCertificateLogo))]

    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> DeleteCertificateLogo(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Route)] HttpRequest request,
        string cycleId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        if (await cycles.GetAsync(cycleId, cancellationToken) is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var deleted = false;
        if (await issuer.Container.ExistsAsync(cancellationToken))
        {
            deleted = (await issuer.Container.GetBlobClient(CertificateIssuer.LogoBlobName(cycleId)).DeleteIfExistsAsync(cancellationToken: cancellationToken)).Value;
        }

        if (deleted)
        {
            await audit.WriteAsync(cycleId, AuditActors.Of(request), "certificate.logo-removed", cancellationToken: cancellationToken);
        }

        return Http.Ok(new { cycleId, hasLogo = false, deleted });
    }

    /// <summary>The body, or null as soon as it passes the limit (a missing or lying Content-Length included).</summary>
    private static async Task<byte[]?> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxLogoBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>"image/png" or "image/jpeg" from the first bytes; null for anything else.</summary>
    public static string? Sniff(ReadOnlySpan<byte> image) =>
        image.StartsWith(PngSignature) ? "image/png"
        : image.Length >= 3 && image[0] == 0xFF && image[1] == 0xD8 && image[2] == 0xFF ? "image/jpeg"
        : null;

    /// <summary>Width and height from a PNG's IHDR chunk (which must come first); null when it is not there.</summary>
    private static (int Width, int Height)? PngSize(ReadOnlySpan<byte> png) =>
        png.Length >= 24 && png.Slice(12, 4).SequenceEqual("IHDR"u8)
            ? (BinaryPrimitives.ReadInt32BigEndian(png.Slice(16, 4)), BinaryPrimitives.ReadInt32BigEndian(png.Slice(20, 4)))
            : null;
}
