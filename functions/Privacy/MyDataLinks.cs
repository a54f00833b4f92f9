using System.Net.Mail;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;
using TrainingCycles.Privacy.Views;
using TrainingCycles.Reminders;

namespace TrainingCycles.Privacy;

/// <summary>
/// #23b: a person who lost their personal link asks for it by address (and, optionally, NIP): <c>GET/POST /api/my-data</c>.
/// The answer is the same whether or not anything matched (the form cannot tell who trained here), requests are
/// rate-limited per client like <c>/api/records/me</c> and per address like the email sign-in, and on a match every live participation of that address gets
/// a short-lived link (<see cref="LinkLifetime"/>) to its data page, mailed to the address on record, off the request's
/// path so the answer takes as long either way.
/// </summary>
public sealed class MyDataLinkFunctions(MyDataLinks links)
{
    [Function(nameof(ShowMyDataRequest))]
    public IActionResult ShowMyDataRequest([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "my-data")] HttpRequest request) =>
        View.Page<MyDataRequestPage>(Pages.Language(request), new MyDataRequestPage.Data(null, false), StatusCodes.Status200OK);

    [Function(nameof(RequestMyDataLink))]
    public Task<IActionResult> RequestMyDataLink([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "my-data")] HttpRequest request, CancellationToken cancellationToken) =>
        links.RequestAsync(request, cancellationToken);
}

public sealed class MyDataLinks(
    PersonErasure finder, CycleStore cycles, Tokens tokens, Mailer mailer, FormRateLimiter rateLimiter, SignInStore signIn, IOptions<EmailSignInOptions> signInOptions,
    IOptions<TrainingCyclesOptions> options, TimeProvider time, ILogger<MyDataLinks> logger)
{
    public const string MailKind = "my-data-link";
    public const int MaxFormBytes = 4 * 1024;
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromHours(1);

    public async Task<IActionResult> RequestAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var lang = Pages.Language(request);
        IFormCollection form;
        try
        {
            if (request.ContentLength is null or > MaxFormBytes || !request.HasFormContentType)
            {
                return View.Message(lang, StatusCodes.Status400BadRequest, nameof(Texts.Privacy_Request_Refused_Title), nameof(Texts.Privacy_Request_Refused_Text));
            }

            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return View.Message(lang, StatusCodes.Status400BadRequest, nameof(Texts.Privacy_Request_Refused_Title), nameof(Texts.Privacy_Request_Refused_Text));
        }

        lang = Pages.Language(request, form["lang"].FirstOrDefault());
        var email = (form["email"].FirstOrDefault() ?? "").Trim();
        if (email.Length is 0 or > 254 || !MailAddress.TryCreate(email, out var address) || address.Address != email)
        {
            return View.Page<MyDataRequestPage>(lang, new MyDataRequestPage.Data(nameof(Texts.Privacy_Request_EmailInvalid), false), StatusCodes.Status400BadRequest);
        }

        var nipInput = (form["nip"].FirstOrDefault() ?? "").Trim();
        var nip = nipInput.Length == 0 ? null : Nip.Validate(nipInput, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
        if (nip is { IsValid: false })
        {
            return View.Page<MyDataRequestPage>(lang, new MyDataRequestPage.Data(nameof(Texts.Privacy_Request_NipInvalid), false), StatusCodes.Status400BadRequest);
        }

        if (!rateLimiter.TryAcquire(request, "my-data"))
        {
            request.HttpContext.Response.Headers.RetryAfter = "60";
            return View.Message(lang, StatusCodes.Status429TooManyRequests, nameof(Texts.Privacy_Request_TooMany_Title), nameof(Texts.Privacy_Request_TooMany_Text));
        }

        // Per address as well, with the email sign-in's slots (SignInStore): unknown addresses take a slot too, so the
        // rows look the same for every address; over the limit, the answer stays the same and nothing is sent.
        var slot = await signIn.TryTakeLinkSlotAsync(email.ToLowerInvariant(), signInOptions.Value.LinksPerAddress, signInOptions.Value.AddressWindow, cancellationToken);
        var matches = (await finder.FindAsync(email, null, cancellationToken))
            .Where(p => string.Equals(p.Email, email, StringComparison.OrdinalIgnoreCase) && (nip is null || p.Nip == nip.Normalized))
            .ToList();
        if (slot && matches.Count > 0)
        {
            _ = Task.Run(() => SendAsync(matches, lang), CancellationToken.None);
        }

        return View.Page<MyDataRequestPage>(lang, new MyDataRequestPage.Data(null, true), StatusCodes.Status200OK);
    }

    /// <summary>One mail per participation (each names its training), to the address on record.</summary>
    private async Task SendAsync(IReadOnlyList<ParticipantEntity> matches, string lang)
    {
        foreach (var p in matches)
        {
            try
            {
                var cycle = await cycles.GetAsync(p.PartitionKey);
                var token = tokens.Create(TokenPurpose.Manage, p.PartitionKey, p.RowKey, time.GetUtcNow().Add(LinkLifetime), p.TokenVersion);
                var link = new Uri(options.Value.PublicBaseUri, $"api/cycles/{Uri.EscapeDataString(p.PartitionKey)}/my-data?manage={Uri.EscapeDataString(token)}&lang={lang}").ToString();
                var mail = MailTemplates.Render(MailKind, lang, new Dictionary<string, string>
                {
                    ["title"] = cycle?.Entity.Title ?? "",
                    ["minutes"] = ((int)LinkLifetime.TotalMinutes).ToString(Formatting.Culture(lang)),
                });
                var recipient = new MailRecipient(p.RowKey, p.Email, p.FullName, new Dictionary<string, string> { ["name"] = p.FullName ?? "", ["link"] = link, ["number"] = "" });
                var outcome = await mailer.SendAsync(ErasureWorkflow.ReceiptCycleArg, MailKind, mail, [recipient]);
                if (outcome.Rejected.Count > 0)
                {
                    logger.LogWarning("The my-data link mail for {ParticipantId} was rejected: {Error}", p.RowKey, outcome.Rejected[0].Error);
                }
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "The my-data link mail for {ParticipantId} could not be sent", p.RowKey);
            }
        }
    }
}
