using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;
using TrainingCycles.Reminders;

namespace TrainingCycles.Certificates;

public sealed record RevokeRequest(string? Reason);

public sealed record ReissueRequest(string? FullName, string? Reason);

/// <summary>
/// The certificate links: the holder's download (a signed token → a fresh five-minute read-only SAS each click) and
/// the organizer's corrections (revoke, reissue).
/// </summary>
public sealed class CertificateFunctions(
    CertificateIssuer issuer, Tokens tokens, ParticipantStore participants, CertificateCorrections corrections,
    ILogger<CertificateFunctions> logger)
{
    public const int MaxCorrectionBytes = 16 * 1024;

    // How far a download follows "superseded by" links (a certificate is rarely corrected more than once or twice).
    private const int MaxVersionHops = 20;


    [Function(nameof(DownloadCertificate))]
    public async Task<IActionResult> DownloadCertificate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "certificates/{certificateId}/download")] HttpRequest request,
        string certificateId)
    {
        var lang = Pages.Language(request);
        var problem = tokens.Validate(request.Query["token"].FirstOrDefault(), TokenPurpose.Download, out var claims);
        if (problem == TokenProblem.Expired)
        {
            return View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Cert_Download_Expired_Title), nameof(Texts.Cert_Download_Expired_Text));
        }

        if (problem != TokenProblem.None || claims!.SubjectId != certificateId)
        {
            return InvalidLink(lang);
        }

        var certificate = await issuer.FindAsync(certificateId, request.HttpContext.RequestAborted);
        if (certificate is null)
        {
            return View.Message(lang, StatusCodes.Status404NotFound, nameof(Texts.Cert_Download_NotFound_Title), nameof(Texts.Cert_Download_NotFound_Text));
        }

        if (certificate.PartitionKey != claims.CycleId)
        {
            return InvalidLink(lang);
        }

        // A link issued before the holder withdrew or changed their email address no longer opens the PDF.
        if (await participants.GetAsync(certificate.PartitionKey, certificate.ParticipantId, request.HttpContext.RequestAborted) is { } holder && holder.TokenVersion != claims.Version)
        {
            return View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Cert_Download_Replaced_Title), nameof(Texts.Cert_Download_Replaced_Text));
        }

        // A corrected certificate: the old email's link brings the holder the version now in force, never the
        // outdated PDF (whose verification page says "superseded"). Same cycle and same participant only.
        for (var hop = 0; certificate.Status == CertificateStatus.Superseded && hop < MaxVersionHops; hop++)
        {
            var next = await issuer.GetAsync(certificate.PartitionKey, certificate.SupersededBy ?? "", request.HttpContext.RequestAborted);
            if (next is null || next.ParticipantId != certificate.ParticipantId)
            {
                break;
            }

            certificate = next;
        }

        if (certificate.Status != CertificateStatus.Valid)
        {
            return View.Message(lang, StatusCodes.Status410Gone, nameof(Texts.Cert_Download_Revoked_Title), nameof(Texts.Cert_Download_Revoked_Text));
        }

        var sas = await issuer.Links.ReadUriAsync(issuer.Container.GetBlobClient(certificate.BlobName), request.HttpContext.RequestAborted);
        var headers = request.HttpContext.Response.Headers;
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        logger.LogInformation("Certificate {CertificateId} downloaded (version {Version})", certificate.RowKey, certificate.Version);
        return new RedirectResult(sas.ToString(), permanent: false);
    }

    [Function(nameof(RevokeCertificate))]

    [Requires(Permission.RunCycle, AccessScope.CertificateCycle)]
    public async Task<IActionResult> RevokeCertificate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "certificates/{certificateId}/revoke")] HttpRequest request,
        string certificateId)
    {
        var body = await Http.ReadBodyAsync(request, MaxCorrectionBytes, request.HttpContext.RequestAborted);
        if (body is null)
        {
            return Http.TooLarge(MaxCorrectionBytes);
        }

        if (!Http.TryParseJson<RevokeRequest>(body, out var input, out var error))
        {
            return error!;
        }

        var reason = input!.Reason?.Trim() ?? "";
        if (reason.Length is 0 or > CertificateCorrections.MaxReasonLength)
        {
            return Http.Error(StatusCodes.Status400BadRequest, "invalid_reason", nameof(Texts.Error_Cert_RevokeReason), [CertificateCorrections.MaxReasonLength]);
        }

        var result = await corrections.RevokeAsync(certificateId, reason, AuditActors.Of(request), request.HttpContext.RequestAborted);
        return result.Outcome switch
        {
            RevokeOutcome.Revoked => Http.Ok(new { certificate = Describe(result.Certificate!), alreadyRevoked = false }),
            RevokeOutcome.AlreadyRevoked => Http.Ok(new { certificate = Describe(result.Certificate!), alreadyRevoked = true }),
            RevokeOutcome.Superseded => Http.Error(StatusCodes.Status409Conflict, "superseded", nameof(Texts.Error_Cert_Superseded), details: new { currentCertificateId = result.Certificate!.SupersededBy }),
            RevokeOutcome.Busy => Busy(),
            _ => Http.NotFound(Missing.Certificate),
        };
    }

    [Function(nameof(ReissueCertificate))]

    [Requires(Permission.RunCycle, AccessScope.CertificateCycle)]
    public async Task<IActionResult> ReissueCertificate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "certificates/{certificateId}/reissue")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string certificateId)
    {
        var body = await Http.ReadBodyAsync(request, MaxCorrectionBytes, request.HttpContext.RequestAborted);
        if (body is null)
        {
            return Http.TooLarge(MaxCorrectionBytes);
        }

        var input = new ReissueRequest(null, null);
        if (!string.IsNullOrWhiteSpace(body) && !Http.TryParseJson(body, out input, out var error))
        {
            return error!;
        }

        var fullName = input!.FullName is null ? null : string.Join(' ', input.FullName.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (fullName is { Length: 0 or > CertificateCorrections.MaxNameLength })
        {
            return Http.Error(StatusCodes.Status400BadRequest, "invalid_full_name", nameof(Texts.Error_Cert_FullName), [CertificateCorrections.MaxNameLength]);
        }

        var reason = string.IsNullOrWhiteSpace(input.Reason) ? null : input.Reason.Trim();
        if (reason is { Length: > CertificateCorrections.MaxReasonLength })
        {
            return Http.Error(StatusCodes.Status400BadRequest, "invalid_reason", nameof(Texts.Error_Cert_ReasonTooLong), [CertificateCorrections.MaxReasonLength]);
        }

        var result = await corrections.ReissueAsync(certificateId, fullName, reason, AuditActors.Of(request), durable, request.HttpContext.RequestAborted);
        switch (result.Outcome)
        {
            case ReissueOutcome.Reissued or ReissueOutcome.AlreadyReissued:
                return Http.Ok(new
                {
                    certificate = Describe(result.Current!),
                    previous = Describe(result.Previous!),
                    alreadyReissued = result.Outcome == ReissueOutcome.AlreadyReissued,
                    email = result.Mail.ToString(),
                });
            case ReissueOutcome.Revoked:
                return Http.Error(StatusCodes.Status409Conflict, "revoked", nameof(Texts.Error_Cert_Revoked));
            case ReissueOutcome.NameConflict:
                return Http.Error(StatusCodes.Status409Conflict, "already_reissued", nameof(Texts.Error_Cert_AlreadyReissued), details: new { currentCertificateId = result.Current!.RowKey });
            case ReissueOutcome.Busy:
                return Busy();
            default:
                return Http.NotFound(Missing.Certificate);
        }
    }

    /// <summary>What organizers see of a certificate (the verification URL included; the PDF itself is behind the holder's link).</summary>
    private object Describe(CertificateEntity c) => new
    {
        certificateId = c.RowKey,
        cycleId = c.PartitionKey,
        participantId = c.ParticipantId,
        number = c.Number,
        version = c.Version,
        status = c.Status,
        holderName = c.HolderName,
        issuedAt = c.IssuedAt,
        revokedAt = c.RevokedAt,
        revokedReason = c.RevokedReason,
        supersededBy = c.SupersededBy,
        supersededAt = c.SupersededAt,
        supersedes = c.Supersedes,
        sha256 = c.Sha256,
        bytes = c.Bytes,
        verificationUrl = issuer.VerificationUri(c.VerificationCode).ToString(),
    };

    private static IActionResult Busy() => Http.Error(StatusCodes.Status409Conflict, "busy", nameof(Texts.Error_Cert_Busy));

    private static IActionResult InvalidLink(string lang) =>
        View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Cert_Download_Invalid_Title), nameof(Texts.Cert_Download_Invalid_Text));
}
