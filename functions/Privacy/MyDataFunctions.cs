using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;
using TrainingCycles.Privacy.Views;

namespace TrainingCycles.Privacy;

/// <summary>
/// The participant's own data page, reached with their personal (manage) link: what is held about them, a JSON
/// download, and withdrawing consent — which starts the erasure workflow (reason <c>consent-withdrawn</c>). Every
/// look is in the data-access log as the participant's own. #23b: the same data as a readable PDF (<c>&amp;format=pdf</c>),
/// a link to the correction request (#22's biodata page) and erasing the person in every training at once.
/// </summary>
public sealed class MyDataFunctions(CycleStore cycles, ParticipantStore participants, Tokens tokens, PersonalDataRegistry registry, ErasureStore erasures, PersonErasure everywhere, AuditLog audit, TimeProvider time)
{
    [Function(nameof(ShowMyData))]
    public async Task<IActionResult> ShowMyData(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/my-data")] HttpRequest request,
        string cycleId)
    {
        var lang = Pages.Language(request);
        var (cycle, p, problem) = await ResolveAsync(request, cycleId, lang);
        if (problem is not null)
        {
            return problem;
        }

        var ct = request.HttpContext.RequestAborted;
        var sections = await registry.ExportAsync(new PersonalDataSubject(cycleId, p!.RowKey, p.Email, p.Nip, p.FullName, p.Phone), ct);
        var format = request.Query["format"].ToString();
        await audit.ViewedAsync(cycleId, AuditActor.Participant(request.HttpContext.Connection.RemoteIpAddress?.ToString()), format is "json" or "pdf" ? "own-data-download" : "own-data", p.RowKey, cancellationToken: ct);
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        return format switch
        {
            "json" => Download(request, $"data-{cycleId}.json", Http.Ok(PersonalDataExport.Of(cycleId, p.RowKey, sections, await erasures.GetAsync(cycleId, p.RowKey, ct)))),
            "pdf" => new FileContentResult(MyDataPdf.Render(lang, cycle!, sections, time.GetUtcNow()), "application/pdf") { FileDownloadName = $"data-{cycleId}.pdf" },
            _ => View.Page<MyDataPage>(lang, MyDataPage.Links(request, cycle!, sections), StatusCodes.Status200OK),
        };
    }

    private static IActionResult Download(HttpRequest request, string fileName, IActionResult result)
    {
        request.HttpContext.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        return result;
    }

    [Function(nameof(WithdrawConsent))]
    public async Task<IActionResult> WithdrawConsent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/my-data")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId)
    {
        var lang = Pages.Language(request);
        var (_, p, problem) = await ResolveAsync(request, cycleId, lang);
        if (problem is not null)
        {
            return problem;
        }

        var form = request.HasFormContentType ? await request.ReadFormAsync(request.HttpContext.RequestAborted) : null;
        var action = form?["action"].ToString();
        if (form is null || action is not ("withdraw-consent" or "erase-everywhere") || form["confirm"].ToString() != "yes")
        {
            return View.Message(lang, StatusCodes.Status422UnprocessableEntity, nameof(Texts.Privacy_MyData_ConfirmMissing_Title), nameof(Texts.Privacy_MyData_ConfirmMissing_Text));
        }

        if (action == "erase-everywhere")
        {
            // #23b: every training the person's email or NIP appears in, one receipt.
            var started = await everywhere.StartAsync(durable, p!, ErasureReason.Request, request.HttpContext.RequestAborted);
            foreach (var one in started?.Participations ?? [])
            {
                await audit.WriteAsync(one.CycleId, AuditActor.Participant(request.HttpContext.Connection.RemoteIpAddress?.ToString()), "privacy.erasure-everywhere-requested", one.ParticipantId, "request=" + started!.Value.RequestId, request.HttpContext.RequestAborted);
            }

            return View.Message(lang, StatusCodes.Status202Accepted, nameof(Texts.Privacy_MyData_ErasedAll_Title), nameof(Texts.Privacy_MyData_ErasedAll_Text), started?.Participations.Count ?? 0);
        }

        await ErasureWorkflow.ScheduleAsync(durable, new ErasureInput(cycleId, p!.RowKey, ErasureReason.ConsentWithdrawn), request.HttpContext.RequestAborted);
        await audit.WriteAsync(cycleId, AuditActor.Participant(request.HttpContext.Connection.RemoteIpAddress?.ToString()), "privacy.consent-withdrawn", p.RowKey, "reason=" + ErasureReason.ConsentWithdrawn, request.HttpContext.RequestAborted);
        return View.Message(lang, StatusCodes.Status202Accepted, nameof(Texts.Privacy_MyData_Withdrawn_Title), nameof(Texts.Privacy_MyData_Withdrawn_Text));
    }

    internal static (string Param, string Purpose) LinkOf(HttpRequest request) =>
        request.Query.ContainsKey("invite") && !request.Query.ContainsKey("manage") ? ("invite", TokenPurpose.Invite) : ("manage", TokenPurpose.Manage);

    /// <summary>The cycle and the participant the manage link names; or the page that says why not (nothing shown).</summary>
    private async Task<(CycleRecord? Cycle, ParticipantEntity? Participant, IActionResult? Problem)> ResolveAsync(HttpRequest request, string cycleId, string lang)
    {
        var cycle = await cycles.GetAsync(cycleId, request.HttpContext.RequestAborted);
        // The manage link (registered), or the invitation's link (#23: an imported invitee sees what the organizer holds and may object).
        var (param, purpose) = LinkOf(request);
        var problem = tokens.Validate(request.Query[param].FirstOrDefault(), purpose, out var claims);
        if (cycle is null || problem != TokenProblem.None || claims!.CycleId != cycleId)
        {
            return (null, null, problem == TokenProblem.Expired
                ? View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Reg_LinkExpired_Title), nameof(Texts.Reg_LinkExpired_Text))
                : View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Reg_LinkInvalid_Title), nameof(Texts.Reg_LinkInvalid_Text)));
        }

        var p = await participants.GetAsync(cycleId, claims.SubjectId, request.HttpContext.RequestAborted);
        if (p is null || claims.Version != p.TokenVersion || ParticipantStore.IsAnonymised(p))
        {
            return (null, null, View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Reg_LinkReplaced_Title), nameof(Texts.Reg_LinkReplaced_Text)));
        }

        return (cycle, p, null);
    }
}
