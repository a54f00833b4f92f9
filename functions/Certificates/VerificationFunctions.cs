using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

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
        return WantsJson(request) ? Json(request, facts, check: null) : Page(request, lang, facts, check: null, error: null);
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
                ? WithHeaders(request, Http.Error(error.Status, error.Code, error.Id, error.En))
                : Page(request, lang, facts, check: null, error);
        }

        var check = new HashCheck(Convert.ToHexString(submission.Sha256!).ToLowerInvariant(),
            CryptographicOperations.FixedTimeEquals(submission.Sha256, Convert.FromHexString(certificate.Sha256)));
        return json ? Json(request, facts, check) : Page(request, lang, facts, check, error: null);
    }

    private sealed record VerificationFacts(
        string Status, string Number, string HolderName, string TrainingTitle, string? Organizer, string DatesText, DateOnly? StartDate, DateOnly? EndDate,
        DateTimeOffset IssuedAt, string IssuedText, int Version, DateTimeOffset? RevokedAt, string? RevokedText, string Sha256);

    private sealed record HashCheck(string SubmittedSha256, bool Match);

    private sealed record SubmissionError(int Status, string Code, string Id, string En);

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

    private static IActionResult Page(HttpRequest request, string lang, VerificationFacts f, HashCheck? check, SubmissionError? error)
    {
        string T(string id, string en) => Pages.T(lang, id, en);
        var html = new StringBuilder(4096);
        html.Append(Pages.LanguageSwitch(request, lang))
            .Append("<h1>").Append(Pages.H(T("Verifikasi sertifikat", "Certificate verification"))).Append("</h1>");

        if (check is not null)
        {
            html.Append(check.Match
                    ? "<div id=\"check\" class=\"success\" data-match=\"true\" role=\"status\"><h2>"
                    : "<div id=\"check\" class=\"summary\" data-match=\"false\" role=\"alert\"><h2>")
                .Append(Pages.H(check.Match ? T("Berkas cocok", "The file matches") : T("Berkas TIDAK cocok", "The file does NOT match")))
                .Append("</h2><p>")
                .Append(Pages.H(check.Match
                    ? T("Berkas ini identik dengan sertifikat yang diterbitkan untuk kode ini. Perhatikan juga status sertifikat di bawah.",
                        "This file is identical to the certificate issued for this code. Mind the certificate's status below as well.")
                    : T("Berkas ini berbeda dari sertifikat yang diterbitkan untuk kode ini: mungkin telah diubah, atau merupakan sertifikat atau versi lain.",
                        "This file differs from the certificate issued for this code: it may have been altered, or it is another certificate or version.")))
                .Append("</p><p>").Append(Pages.H(T("SHA-256 yang diperiksa:", "SHA-256 checked:"))).Append(" <code>").Append(check.SubmittedSha256).Append("</code></p></div>");
        }

        var (statusClass, heading, text) = f.Status switch
        {
            "revoked" => ("summary", T("Sertifikat ini telah DICABUT", "This certificate has been REVOKED"),
                T($"Sertifikat ini tidak berlaku: dicabut pada {f.RevokedText}. Hubungi penyelenggara untuk keterangan.",
                  $"This certificate is not valid: revoked on {f.RevokedText}. Contact the organizer for details.")),
            "superseded" => ("summary", T("Sertifikat ini telah DIGANTI", "This certificate has been SUPERSEDED"),
                T("Versi yang lebih baru telah diterbitkan untuk pemegang yang sama; versi ini tidak berlaku lagi. Mintalah pemegang menunjukkan versi terbarunya.",
                  "A newer version has been issued to the same holder; this version is no longer valid. Ask the holder for the current version.")),
            _ => ("success", T("Sertifikat ini SAH", "This certificate is VALID"),
                f.Organizer is { Length: > 0 } organizer
                    ? T($"Diterbitkan oleh {organizer} dan tercatat di sistem penerbit.", $"Issued by {organizer} and on record with the issuer.")
                    : T("Sertifikat ini tercatat di sistem penerbit.", "This certificate is on record with the issuer.")),
        };
        html.Append("<div id=\"status\" class=\"").Append(statusClass).Append("\" data-status=\"").Append(f.Status).Append("\"><h2>")
            .Append(Pages.H(heading)).Append("</h2><p>").Append(Pages.H(text)).Append("</p></div>");

        html.Append("<dl class=\"facts\">");
        void Fact(string id, string label, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                html.Append("<dt>").Append(Pages.H(label)).Append("</dt><dd id=\"").Append(id).Append("\">").Append(Pages.H(value)).Append("</dd>");
            }
        }

        Fact("holder", T("Nama pemegang", "Holder"), f.HolderName);
        Fact("training", T("Pelatihan", "Training"), f.TrainingTitle);
        Fact("organizer", T("Penyelenggara", "Organizer"), f.Organizer);
        Fact("dates", T("Tanggal pelatihan", "Training dates"), f.DatesText);
        Fact("number", T("Nomor sertifikat", "Certificate number"), f.Number);
        Fact("issued", T("Tanggal terbit", "Issued on"), f.IssuedText);
        if (f.Version > 1)
        {
            Fact("version", T("Versi", "Version"), f.Version.ToString(CultureInfo.InvariantCulture));
        }

        html.Append("<dt>SHA-256</dt><dd id=\"sha256-issued\"><code>").Append(Pages.H(f.Sha256)).Append("</code></dd></dl>");

        html.Append("<h2 id=\"check-heading\">").Append(Pages.H(T("Periksa berkas sertifikat", "Check a certificate file"))).Append("</h2><p>")
            .Append(Pages.H(T("Pilih berkas PDF sertifikat ini, atau tempel SHA-256-nya, untuk memastikan berkas tidak diubah. Berkas tidak disimpan.",
                "Choose this certificate's PDF file, or paste its SHA-256, to make sure the file was not altered. The file is not kept.")))
            .Append("</p>");
        if (error is not null)
        {
            html.Append("<div class=\"summary\" id=\"errors\" role=\"alert\" tabindex=\"-1\"><h2>").Append(Pages.H(T("Belum dapat diperiksa", "Could not check")))
                .Append("</h2><p>").Append(Pages.H(T(error.Id, error.En))).Append("</p></div>");
        }

        html.Append("<form method=\"post\" enctype=\"multipart/form-data\" aria-labelledby=\"check-heading\">")
            .Append("<input type=\"hidden\" name=\"lang\" value=\"").Append(lang).Append("\">")
            .Append("<div class=\"field").Append(error is null ? "" : " invalid").Append("\"><label for=\"file\">").Append(Pages.H(T("Berkas PDF", "PDF file"))).Append("</label>")
            .Append("<span class=\"hint\" id=\"file-hint\">").Append(Pages.H(T($"Paling besar {MaxUploadBytes / (1024 * 1024)} MB.", $"At most {MaxUploadBytes / (1024 * 1024)} MB."))).Append("</span>")
            .Append("<input type=\"file\" id=\"file\" name=\"file\" accept=\".pdf,application/pdf\" aria-describedby=\"file-hint\"></div>")
            .Append("<div class=\"field\"><label for=\"sha256\">").Append(Pages.H(T("atau SHA-256 berkas", "or the file's SHA-256"))).Append("</label>")
            .Append("<span class=\"hint\" id=\"sha256-hint\">").Append(Pages.H(T("64 karakter heksadesimal, misalnya dari perintah sha256sum.", "64 hexadecimal characters, e.g. from the sha256sum command."))).Append("</span>")
            .Append("<input type=\"text\" id=\"sha256\" name=\"sha256\" autocomplete=\"off\" autocapitalize=\"off\" spellcheck=\"false\" aria-describedby=\"sha256-hint\"></div>")
            .Append("<button type=\"submit\">").Append(Pages.H(T("Periksa", "Check"))).Append("</button></form>");

        var status = error?.Status ?? StatusCodes.Status200OK;
        return Pages.Render(request, lang, T("Verifikasi sertifikat", "Certificate verification"), html.ToString(), status, headExtra: LayoutCss);
    }

    /// <summary>
    /// The page is read on the phone that scanned the QR code. The facts list must never be wider than the screen:
    /// grid columns may shrink below their content (minmax(0, …)), long values (the 64-character SHA-256, a long
    /// title) break anywhere, and below 36rem the terms sit above their values in one column.
    /// </summary>
    private const string LayoutCss = "<style>main{max-width:40rem}"
        + "dl.facts{grid-template-columns:minmax(0,max-content) minmax(0,1fr)}dl.facts dt,dl.facts dd{min-width:0;overflow-wrap:anywhere}"
        + "code{overflow-wrap:anywhere;word-break:break-all;font-size:.9rem}"
        + "@media (max-width:36rem){dl.facts{grid-template-columns:minmax(0,1fr);gap:0}dl.facts dd{margin:0 0 .6rem}}</style>";

    private static async Task<Submission> ReadSubmissionAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var tooLarge = new Submission(null, null, new SubmissionError(StatusCodes.Status413PayloadTooLarge, "too_large",
            $"Berkas terlalu besar: paling besar {MaxUploadBytes / (1024 * 1024)} MB. Berkas sertifikat asli berukuran sekitar 50 KB.",
            $"The file is too large: at most {MaxUploadBytes / (1024 * 1024)} MB. An original certificate file is about 50 KB."));
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
            return new Submission(null, null, new SubmissionError(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
                "Kirim formulir (multipart/form-data) dengan berkas PDF, atau JSON {\"sha256\": \"…\"}.", "Send a form (multipart/form-data) with the PDF file, or JSON {\"sha256\": \"…\"}."));
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
                : new Submission(null, null, new SubmissionError(StatusCodes.Status400BadRequest, "invalid_form", "Formulir tidak dapat dibaca. Coba lagi.", "The form could not be read. Try again."));
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
            ? new SubmissionError(StatusCodes.Status400BadRequest, "nothing_to_check", "Pilih berkas PDF sertifikat atau isi SHA-256-nya.", "Choose the certificate's PDF file or enter its SHA-256.")
            : new SubmissionError(StatusCodes.Status400BadRequest, "invalid_sha256", "SHA-256 harus 64 karakter heksadesimal (0-9, a-f).", "A SHA-256 has 64 hexadecimal characters (0-9, a-f)."));
    }

    private static IActionResult NotFound(HttpRequest request, string lang, bool json) => json
        ? WithHeaders(request, Http.Error(StatusCodes.Status404NotFound, "not_found", "Sertifikat tidak ditemukan.", "Certificate not found."))
        : Pages.Message(request, lang, StatusCodes.Status404NotFound, "Sertifikat tidak ditemukan", "Certificate not found",
            "Tidak ada sertifikat dengan kode ini. Periksa kembali alamatnya, atau pindai ulang kode QR pada sertifikat.",
            "There is no certificate with this code. Check the address, or scan the certificate's QR code again.");

    private static IActionResult WithHeaders(HttpRequest request, IActionResult result)
    {
        Pages.SecurityHeaders(request.HttpContext.Response);
        request.HttpContext.Response.Headers.Vary = "Accept, Accept-Language";
        return result;
    }

    private static bool WantsJson(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase));

    // Codes are lower-case; people copying one from paper may not be.
    private static string Normalize(string code) => code.Trim().ToLowerInvariant();
}
