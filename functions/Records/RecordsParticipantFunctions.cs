using System.Globalization;
using System.Net.Mail;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;
using TrainingCycles.Records.Views;
using TrainingCycles.Reminders;

namespace TrainingCycles.Records;

/// <summary>
/// A person's own record, through a link sent to their email on request: <c>GET/POST /api/records/me</c> (NIP and the
/// address they trained with; the answer is the same whether or not they match, so the form cannot be used to find
/// out who trained here) and <c>GET /api/records/history?token=…</c> (JP per year and each training with a fresh
/// download link to the certificate in force).
/// </summary>
public sealed class RecordsParticipantFunctions(
    Ledger ledger, ParticipantStore participants, Tokens tokens, Mailer mailer, FormRateLimiter rateLimiter, AuditLog audit,
    IOptions<TrainingCyclesOptions> options, TimeProvider time, ILogger<RecordsParticipantFunctions> logger)
{
    public const string CycleArg = "records";
    public const int MaxFormBytes = 4 * 1024;
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromHours(24);
    private static readonly TimeSpan DownloadLifetime = TimeSpan.FromDays(1);

    [Function(nameof(ShowRecordsRequest))]
    public IActionResult ShowRecordsRequest([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "records/me")] HttpRequest request) =>
        View.Page<RecordsRequestPage>(Pages.Language(request), new RecordsRequestPage.Data(null, false), StatusCodes.Status200OK);

    [Function(nameof(RequestRecordsLink))]
    public async Task<IActionResult> RequestRecordsLink([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "records/me")] HttpRequest request, CancellationToken cancellationToken)
    {
        var lang = Pages.Language(request);
        if (request.ContentLength is null or > MaxFormBytes || !request.HasFormContentType)
        {
            return View.Message(lang, StatusCodes.Status400BadRequest, nameof(Texts.Records_Request_Refused_Title), nameof(Texts.Records_Request_Refused_Text));
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return View.Message(lang, StatusCodes.Status400BadRequest, nameof(Texts.Records_Request_Refused_Title), nameof(Texts.Records_Request_Refused_Text));
        }

        lang = Pages.Language(request, form["lang"].FirstOrDefault());
        var nip = Nip.Validate(form["nip"].FirstOrDefault(), DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
        if (!nip.IsValid)
        {
            return View.Page<RecordsRequestPage>(lang, new RecordsRequestPage.Data(nameof(Texts.Records_Request_NipInvalid), false), StatusCodes.Status400BadRequest);
        }

        var email = (form["email"].FirstOrDefault() ?? "").Trim();
        if (email.Length is 0 or > 254 || !MailAddress.TryCreate(email, out var address) || address.Address != email)
        {
            return View.Page<RecordsRequestPage>(lang, new RecordsRequestPage.Data(nameof(Texts.Records_Request_EmailInvalid), false), StatusCodes.Status400BadRequest);
        }

        if (!rateLimiter.TryAcquire(request, "records"))
        {
            request.HttpContext.Response.Headers.RetryAfter = "60";
            return View.Message(lang, StatusCodes.Status429TooManyRequests, nameof(Texts.Records_Request_TooMany_Title), nameof(Texts.Records_Request_TooMany_Text));
        }

        var rows = await ledger.ForNipAsync(nip.Normalized!, cancellationToken);
        var match = rows.FirstOrDefault(r => string.Equals(r.Email, email, StringComparison.OrdinalIgnoreCase));
        if (match is not null)
        {
            // Sent to the address on record (not the one typed, should they differ in case), off the request's path
            // so the answer takes as long whether or not anything matched.
            var token = tokens.Create(TokenPurpose.Records, CycleArg, nip.Normalized!, time.GetUtcNow().Add(LinkLifetime));
            var link = new Uri(options.Value.PublicBaseUri, "api/records/history?token=" + Uri.EscapeDataString(token) + "&lang=" + lang).ToString();
            _ = Task.Run(() => SendAsync(match, lang, link), CancellationToken.None);
        }

        return View.Page<RecordsRequestPage>(lang, new RecordsRequestPage.Data(null, true), StatusCodes.Status200OK);
    }

    private async Task SendAsync(LedgerEntity row, string lang, string link)
    {
        try
        {
            var mail = MailTemplates.Render(MailKinds.RecordsLink, lang, new Dictionary<string, string>
            {
                ["minutes"] = ((int)LinkLifetime.TotalHours).ToString(Formatting.Culture(lang)),
            });
            var recipient = new MailRecipient(Ids.RandomString(12), row.Email, row.FullName, new Dictionary<string, string>
            {
                ["name"] = row.FullName,
                ["link"] = link,
                ["number"] = "",
            });
            var outcome = await mailer.SendAsync(CycleArg, MailKinds.RecordsLink, mail, [recipient]);
            if (outcome.Rejected.Count > 0)
            {
                logger.LogWarning("The records link mail was rejected: {Error}", outcome.Rejected[0].Error);
            }
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "The records link mail could not be sent");
        }
    }

    [Function(nameof(ShowRecordsHistory))]
    public async Task<IActionResult> ShowRecordsHistory([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "records/history")] HttpRequest request, CancellationToken cancellationToken)
    {
        var lang = Pages.Language(request);
        if (tokens.Validate(request.Query["token"].FirstOrDefault(), TokenPurpose.Records, out var claims) != TokenProblem.None || claims!.CycleId != CycleArg)
        {
            return View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Records_Link_Invalid_Title), nameof(Texts.Records_Link_Invalid_Text));
        }

        var rows = await ledger.ForNipAsync(claims.SubjectId, cancellationToken);
        var entries = new List<RecordsHistoryPage.Entry>();
        foreach (var row in rows)
        {
            string? url = null;
            if (row.Counts && await participants.GetAsync(row.RowKey, row.ParticipantId, cancellationToken) is { } p)
            {
                var download = tokens.Create(TokenPurpose.Download, row.RowKey, row.CertificateId, time.GetUtcNow().Add(DownloadLifetime), p.TokenVersion);
                url = $"/api/certificates/{row.CertificateId}/download?token={Uri.EscapeDataString(download)}&lang={lang}";
            }

            entries.Add(new RecordsHistoryPage.Entry(row, Dates(row, lang), url));
            await audit.ViewedAsync(row.RowKey, AuditActors.Participant(request), "records-own", row.ParticipantId, cancellationToken: cancellationToken);
        }

        var name = rows.FirstOrDefault(r => r.Counts)?.FullName ?? rows.FirstOrDefault()?.FullName ?? "";
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        return View.Page<RecordsHistoryPage>(lang, new RecordsHistoryPage.Data(claims.SubjectId, name, Ledger.Years(rows), entries), StatusCodes.Status200OK);
    }

    private static string Dates(LedgerEntity row, string lang)
    {
        var culture = Formatting.Culture(lang);
        string One(string iso) => DateOnly.TryParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d.ToString("d MMMM yyyy", culture) : iso;
        return row.StartDate == row.EndDate ? One(row.StartDate) : One(row.StartDate) + " – " + One(row.EndDate);
    }
}
