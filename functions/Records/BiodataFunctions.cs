using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;
using TrainingCycles.Records.Views;

namespace TrainingCycles.Records;

public sealed record BiodataDecisionBody(string? Decision, string? Reason);

/// <summary>
/// Biodata confirmation (docs/biodata.md): the participant's page <c>GET/POST /api/cycles/{cycleId}/biodata?manage=…</c>
/// and the organizer's list and decisions. Thin: <see cref="BiodataService"/> decides.
/// </summary>
public sealed class BiodataFunctions(BiodataService service, CycleStore cycles, AuditLog audit)
{
    public const int MaxFormBytes = 8 * 1024;

    [Function(nameof(ShowBiodata))]
    public async Task<IActionResult> ShowBiodata([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/biodata")] HttpRequest request, string cycleId)
    {
        var lang = Pages.Language(request);
        var (cycle, p, problem) = await service.ResolveAsync(cycleId, request.Query["manage"].FirstOrDefault(), request.HttpContext.RequestAborted);
        if (problem is { } refused)
        {
            return View.Message(lang, StatusCodes.Status403Forbidden, refused.Title, refused.Text);
        }

        request.HttpContext.Response.Headers.CacheControl = "no-store";
        var state = await service.StateAsync(cycle!, p!, request.HttpContext.RequestAborted);
        return View.Page<BiodataPage>(lang, new BiodataPage.Data(state, null, [], null), StatusCodes.Status200OK);
    }

    [Function(nameof(SubmitBiodata))]
    public async Task<IActionResult> SubmitBiodata([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/biodata")] HttpRequest request, string cycleId)
    {
        var ct = request.HttpContext.RequestAborted;
        var lang = Pages.Language(request);
        var (cycle, p, problem) = await service.ResolveAsync(cycleId, request.Query["manage"].FirstOrDefault(), ct);
        if (problem is { } refused)
        {
            return View.Message(lang, StatusCodes.Status403Forbidden, refused.Title, refused.Text);
        }

        IFormCollection? form = null;
        if (request.ContentLength is > 0 and <= MaxFormBytes && request.HasFormContentType)
        {
            try
            {
                form = await request.ReadFormAsync(ct);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
            {
                form = null;
            }
        }

        var action = form?["action"].FirstOrDefault();
        if (form is null || action is not ("confirm" or "correct"))
        {
            return View.Message(lang, StatusCodes.Status400BadRequest, nameof(Texts.Biodata_Refused_Title), nameof(Texts.Biodata_Refused_Text));
        }

        if (action == "confirm")
        {
            await service.ConfirmAsync(request, cycle!, p!, ct);
            return View.Page<BiodataPage>(lang, new BiodataPage.Data(await service.StateAsync(cycle!, p!, ct), nameof(Texts.Biodata_Confirmed_Notice), [], null), StatusCodes.Status200OK);
        }

        var (changes, errors) = service.Check(cycle!, p!, form);
        var error = errors.Count == 0 ? await service.RequestCorrectionAsync(request, cycle!, p!, changes, ct) : null;
        IReadOnlyList<FieldError> all = error is null ? errors : [error];
        var status = all.Count == 0 ? StatusCodes.Status200OK : error?.Field == "" ? StatusCodes.Status409Conflict : StatusCodes.Status422UnprocessableEntity;
        var typed = all.Count == 0 ? null : BiodataFields.All.ToDictionary(f => f, f => (string?)PlainText.Line(form[f].FirstOrDefault(), 1000), StringComparer.Ordinal);
        return View.Page<BiodataPage>(lang, new BiodataPage.Data(await service.StateAsync(cycle!, p!, ct), all.Count == 0 ? nameof(Texts.Biodata_Requested_Notice) : null, all, typed), status);
    }

    [Function(nameof(ListBiodataRequests))]
    [Requires(Permission.ViewPersonalData, AccessScope.Cycle)]
    public async Task<IActionResult> ListBiodataRequests([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/biodata/requests")] HttpRequest request, string cycleId)
    {
        var ct = request.HttpContext.RequestAborted;
        if (await cycles.GetAsync(cycleId, ct) is not { } cycle)
        {
            return Http.NotFound(Missing.Cycle);
        }

        await audit.ViewedAsync(cycleId, AuditActors.Of(request), "biodata-requests", cancellationToken: ct);
        var overview = await service.OverviewAsync(cycle, ct);
        return Http.Ok(new
        {
            cycleId,
            deadline = overview.Deadline,
            counts = new { participants = overview.Participants, confirmed = overview.Confirmed, correctionPending = overview.CorrectionPending, noAnswer = overview.NoAnswer },
            requests = overview.Requests,
        });
    }

    [Function(nameof(DecideBiodataRequest))]
    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> DecideBiodataRequest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/biodata/requests/{requestId}/decision")] HttpRequest request,
        string cycleId, string requestId, [DurableClient] DurableTaskClient durable)
    {
        var ct = request.HttpContext.RequestAborted;
        if (await cycles.GetAsync(cycleId, ct) is not { } cycle)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var body = await new StreamReader(request.Body).ReadToEndAsync(ct);
        if (body.Length > MaxFormBytes)
        {
            return Http.Error(StatusCodes.Status400BadRequest, "invalid_decision", nameof(Texts.Error_Biodata_Decision));
        }

        if (!Http.TryParseJson<BiodataDecisionBody>(body, out var input, out var parseError))
        {
            return parseError!;
        }

        var (row, changed, refusal) = await service.DecideAsync(cycle, requestId, input!.Decision, input.Reason, AuditActors.Of(request), durable, ct);
        return refusal is not null ? refusal.ToResult() : Http.Ok(new { requestId = row!.RowKey, status = row.Status, decidedAt = row.DecidedAt, reason = row.DecisionReason, alreadyDecided = !changed });
    }
}
