using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TrainingCycles.Cycles;
using TrainingCycles.Certificates.Views;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;

namespace TrainingCycles.Certificates;

/// <summary>
/// The public verification page behind each certificate's QR code: valid, revoked (on which date; the reason is
/// internal and stays with the organizer API) or superseded,
/// with the holder, training, dates, number and issue date; JSON on <c>Accept: application/json</c>. Anyone holding
/// a PDF can check it is unaltered by uploading it (or pasting its SHA-256). An unknown or malformed code gets one
/// and the same 404, so the page cannot be used to probe for codes.
/// </summary>
public sealed class VerificationFunctions(CertificateIssuer issuer, CycleStore cycles)
{
    public const int MaxUploadBytes = 5 * 1024 * 1024;

    // Multipart boundaries, part headers and the other fields around the file.
    private const int FormOverheadBytes = 64 * 1024;
    private const int MaxJsonBytes = 4 * 1024;

    [Function(nameof(VerifyCertificate))]
    public async Task<IActionResult> VerifyCertificate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "verify/{code}")] HttpRequest request,
        string code)
    {
        var lang = Pages.Language(request);
        var certificate = await issuer.FindByCodeAsync(Normalize(code), request.HttpContext.RequestAborted);
        if (certificate is null)
        {
            return NotFound(request, lang, WantsJson(request));
        }

        var facts = Facts(certificate, await cycles.GetAsync(certificate.PartitionKey, request.HttpContext.RequestAborted), lang);
        return WantsJson(request) ? Json(request, facts, check: null) : Page(lang, facts, check: null, error: null);
    }

    [Function(nameof(CheckCertificateFile))]
    public async Task<IActionResult> CheckCertificateFile(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "verify/{code}")] HttpRequest request,
        string code)
    {
        var json = WantsJson(request) || request.HasJsonContentType();
        var certificate = await issuer.FindByCodeAsync(Normalize(code), request.HttpContext.RequestAborted);
        if (certificate is null)
        {
            return NotFound(request, Pages.Language(request), json);
        }

        var submission = await ReadSubmissionAsync(request, request.HttpContext.RequestAborted);
        var lang = Pages.Language(request, submission.Lang);
        var facts = Facts(certificate, await cycles.GetAsync(certificate.PartitionKey, request.HttpContext.RequestAborted), lang);
        if (submission.Error is { } error)
        {
            return json
                ? WithHeaders(request, Http.Error(error.Status, error.Code, error.Key, error.Args))
                : Page(lang, facts, check: null, error);
        }

        var check = new HashCheck(Convert.ToHexString(submission.Sha256!).ToLowerInvariant(),
            CryptographicOperations.FixedTimeEquals(submission.Sha256, Convert.FromHexString(certificate.Sha256)));
        return json ? Json(request, facts, check) : Page(lang, facts, check, error: null);
    }

    /// <summary>What the page (and the JSON) says about a certificate, dates already formatted in the page's language.</summary>
    public sealed record VerificationFacts(
        string Status, string Number, string HolderName, string TrainingTitle, string? Organizer, string DatesText, DateOnly? StartDate, DateOnly? EndDate,
        DateTimeOffset IssuedAt, string IssuedText, int Version, DateTimeOffset? RevokedAt, string? RevokedText, string Sha256);

    /// <summary>The outcome of checking a submitted file (or hash) against the issued PDF.</summary>
    public sealed record HashCheck(string SubmittedSha256, bool Match);

    /// <summary>Why a submission could not be checked: status, API code, and the catalog key with its arguments.</summary>
    public sealed record SubmissionError(int Status, string Code, string Key, object?[] Args);

    private sealed record Submission(byte[]? Sha256, string? Lang, SubmissionError? Error);

    private static VerificationFacts Facts(CertificateEntity c, CycleRecord? cycle, string lang)
    {
        var zone = cycle?.Schedule.TimeZone ?? "Asia/Jakarta";
        DateOnly? Day(DateTimeOffset? utc) => utc is { } t ? DateOnly.FromDateTime(CycleSchedule.ToLocal(t, zone).DateTime) : null;
        var status = c.Status switch
        {
            CertificateStatus.Revoked => "revoked",
            CertificateStatus.Superseded => "superseded",
            _ => "valid",
        };
        return new VerificationFacts(
            status, c.Number, c.HolderName, c.TrainingTitle, cycle?.Definition.OrganizerName,
            cycle is null ? c.TrainingDates : Formatting.DateRange(cycle.Schedule, lang),
            Day(cycle?.Schedule.TrainingStartsAt), Day(cycle?.Schedule.LastSessionEndsAt),
            c.IssuedAt, Formatting.Date(c.IssuedAt, zone, lang), c.Version,
            status == "revoked" ? c.RevokedAt : null,
            status == "revoked" && c.RevokedAt is { } at ? Formatting.Date(at, zone, lang) : null,
            c.Sha256);
    }

    private static IActionResult Json(HttpRequest request, VerificationFacts f, HashCheck? check) => WithHeaders(request, Http.Ok(new
    {
        status = f.Status,
        valid = f.Status == "valid",
        certificateNumber = f.Number,
        holderName = f.HolderName,
        trainingTitle = f.TrainingTitle,
        organizer = f.Organizer,
        trainingDates = f.DatesText,
        trainingStartDate = f.StartDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        trainingEndDate = f.EndDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        issuedAt = f.IssuedAt,
        version = f.Version,
        revokedAt = f.RevokedAt,
        newerVersionExists = f.Status == "superseded",
        sha256 = f.Sha256,
        match = check?.Match,
        submittedSha256 = check?.SubmittedSha256,
    }));

    private static IActionResult Page(string lang, VerificationFacts f, HashCheck? check, SubmissionError? error) =>
        View.Page<VerifyPage>(lang, new VerifyPage.Data(f, check, error, MaxUploadBytes / (1024 * 1024)), error?.Status ?? StatusCodes.Status200OK);

    private static async Task<Submission> ReadSubmissionAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var tooLarge = new Submission(null, null, new SubmissionError(StatusCodes.Status413PayloadTooLarge, "too_large", nameof(Texts.Error_Cert_TooLarge), [MaxUploadBytes / (1024 * 1024)]));
        if (request.ContentLength > MaxUploadBytes + FormOverheadBytes)
        {
            return tooLarge;
        }

        if (request.HasJsonContentType())
        {
            var body = await Http.ReadBodyAsync(request, MaxJsonBytes, cancellationToken);
            if (body is null)
            {
                return tooLarge;
            }

            try
            {
                using var document = JsonDocument.Parse(body);
                return FromHashText(document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("sha256", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null, null);
            }
            catch (JsonException)
            {
                return FromHashText(null, null);
            }
        }

        if (!request.HasFormContentType)
        {
            return new Submission(null, null, new SubmissionError(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", nameof(Texts.Error_Cert_UnsupportedMediaType), []));
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(new FormOptions
            {
                MultipartBodyLengthLimit = MaxUploadBytes + FormOverheadBytes,
                BufferBodyLengthLimit = MaxUploadBytes + FormOverheadBytes,
                ValueCountLimit = 16,
                ValueLengthLimit = 1024,
            }, cancellationToken);
        }
        catch (InvalidDataException)
        {
            // Over a limit, or not a well-formed form.
            return request.ContentLength is null or > MaxUploadBytes
                ? tooLarge
                : new Submission(null, null, new SubmissionError(StatusCodes.Status400BadRequest, "invalid_form", nameof(Texts.Error_Cert_InvalidForm), []));
        }

        var lang = form["lang"].FirstOrDefault();
        var file = form.Files.GetFile("file");
        if (file is { Length: > MaxUploadBytes })
        {
            return tooLarge with { Lang = lang };
        }

        if (file is { Length: > 0 })
        {
            await using var stream = file.OpenReadStream();
            return new Submission(await SHA256.HashDataAsync(stream, cancellationToken), lang, null);
        }

        return FromHashText(form["sha256"].FirstOrDefault(), lang);
    }

    private static Submission FromHashText(string? text, string? lang)
    {
        var hex = string.Concat((text ?? "").Where(c => !char.IsWhiteSpace(c)));
        if (hex.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex["sha256:".Length..];
        }

        if (hex.Length == 64 && hex.All(char.IsAsciiHexDigit))
        {
            return new Submission(Convert.FromHexString(hex), lang, null);
        }

        return new Submission(null, lang, hex.Length == 0
            ? new SubmissionError(StatusCodes.Status400BadRequest, "nothing_to_check", nameof(Texts.Error_Cert_NothingToCheck), [])
            : new SubmissionError(StatusCodes.Status400BadRequest, "invalid_sha256", nameof(Texts.Error_Cert_InvalidSha256), []));
    }

    private static IActionResult NotFound(HttpRequest request, string lang, bool json) => json
        ? WithHeaders(request, Http.Error(StatusCodes.Status404NotFound, "not_found", nameof(Texts.Error_Cert_NotFound)))
        : View.Message(lang, StatusCodes.Status404NotFound, nameof(Texts.Cert_Verify_NotFound_Title), nameof(Texts.Cert_Verify_NotFound_Text));

    private static IActionResult WithHeaders(HttpRequest request, IActionResult result)
    {
        SecurityHeaders.ForPage(request.HttpContext.Response);
        request.HttpContext.Response.Headers.Vary = "Accept, Accept-Language";
        return result;
    }

    private static bool WantsJson(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase));

    // Codes are lower-case; people copying one from paper may not be.
    private static string Normalize(string code) => code.Trim().ToLowerInvariant();
}
