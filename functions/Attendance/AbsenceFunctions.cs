using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TrainingCycles.Attendance.Views;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;

namespace TrainingCycles.Attendance;

/// <summary>
/// #20 excused absence and the locked roster: the participant's request page (their personal link, <c>?t=…</c>), the
/// organizer's list, decision and evidence download, and the roster lock and reopening.
/// </summary>
public sealed class AbsenceFunctions(
    CycleStore cycles, ParticipantStore participants, Tokens tokens, AbsenceStore store, AbsenceService absences, RosterLock rosterLock,
    CompletionFollowUp followUp, AuditLog audit, RosterLockGate gate)
{
    private const int MaxFormBytes = EvidenceCheck.MaxBytes + 64 * 1024;

    [Function(nameof(AbsenceRequestPage))]
    public async Task<IActionResult> AbsenceRequestPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "cycles/{cycleId}/absence")] HttpRequest request,
        string cycleId)
    {
        var ct = request.HttpContext.RequestAborted;
        var lang = Pages.Language(request);
        var (cycle, participant, refused) = await ResolveAsync(request, cycleId, lang, ct);
        if (refused is not null)
        {
            return refused;
        }

        if (HttpMethods.IsGet(request.Method))
        {
            var mine = (await store.ListAsync(cycleId, ct)).Where(r => r.ParticipantId == participant!.RowKey).ToList();
            return View.Page<AbsencePage>(lang, new AbsencePage.Data(cycle!, mine, await store.IsLockedAsync(cycleId, ct)));
        }

        var input = await ReadFormAsync(request, ct);
        var outcome = input is null
            ? new AbsencePageOutcome(StatusCodes.Status413PayloadTooLarge, nameof(Texts.Absence_Refused_Title), nameof(Texts.Absence_Refused_EvidenceTooLarge), [EvidenceCheck.MaxBytes / (1024 * 1024)])
            : await absences.RequestAsync(cycle!, participant!, input, ct);
        return View.Message(lang, outcome.Status, outcome.TitleKey, outcome.TextKey, outcome.Args ?? []);
    }

    [Function(nameof(ListAbsenceRequests))]
    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> ListAbsenceRequests(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/absence-requests")] HttpRequest request,
        string cycleId)
    {
        var ct = request.HttpContext.RequestAborted;
        return await cycles.GetAsync(cycleId, ct) is { } cycle ? Http.Ok(await absences.ListAsync(cycle, ct)) : Http.NotFound(Missing.Cycle);
    }

    [Function(nameof(DecideAbsenceRequest))]
    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> DecideAbsenceRequest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/absence-requests/{requestId}/decision")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId,
        string requestId)
    {
        var ct = request.HttpContext.RequestAborted;
        if (await cycles.GetAsync(cycleId, ct) is not { } cycle)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var body = await Http.ReadBodyAsync(request, 16 * 1024, ct);
        if (body is null)
        {
            return Http.TooLarge(16 * 1024);
        }

        if (!Http.TryParseJson<AbsenceDecisionRequest>(body, out var input, out var parseError))
        {
            return parseError!;
        }

        var (row, changed, refusal) = await absences.DecideAsync(cycle, requestId, input!, AuditActors.Of(request), ct);
        if (refusal is not null)
        {
            return refusal.ToResult();
        }

        // Mailed once per decision (the email log); scheduled again on a repeated answer in case the first start was lost.
        await absences.MailDecisionAsync(durable, cycleId, row!);
        var response = new Dictionary<string, object?> { ["requestId"] = row!.Id, ["status"] = row.Status, ["changed"] = changed };
        return row.Status == AbsenceStatus.Approved && changed
            && !await followUp.AfterCorrectionAsync(cycle, [row.ParticipantId], _ => true, ["absence", row.RowKey, row.Round.ToString(System.Globalization.CultureInfo.InvariantCulture)], durable, response, ct)
            ? CompletionFollowUp.NotScheduled(request)
            : Http.Ok(response);
    }

    [Function(nameof(DownloadAbsenceEvidence))]
    [Requires(Permission.ViewPersonalData, AccessScope.Cycle)]
    public async Task<IActionResult> DownloadAbsenceEvidence(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/absence-requests/{requestId}/evidence")] HttpRequest request,
        string cycleId,
        string requestId)
    {
        var ct = request.HttpContext.RequestAborted;
        var row = AbsenceStore.KeyOfId(requestId) is { } key ? await store.GetAsync(cycleId, key, ct) : null;
        if (row?.EvidenceContentType is null)
        {
            return Http.Error(StatusCodes.Status404NotFound, "not_found", nameof(Texts.Error_Absence_NoEvidence));
        }

        try
        {
            var content = await store.Evidence.GetBlobClient(AbsenceStore.EvidenceBlobName(cycleId, row.SessionId, row.ParticipantId)).DownloadContentAsync(ct);
            await audit.WriteAsync(cycleId, AuditActors.Of(request), "absence.evidence-viewed", row.ParticipantId, row.SessionId, ct);
            var extension = row.EvidenceContentType == "application/pdf" ? "pdf" : row.EvidenceContentType == "image/png" ? "png" : "jpg";
            return new FileContentResult(content.Value.Content.ToArray(), row.EvidenceContentType) { FileDownloadName = $"bukti-izin-{row.SessionId}.{extension}" };
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return Http.Error(StatusCodes.Status404NotFound, "not_found", nameof(Texts.Error_Absence_NoEvidence));
        }
    }

    [Function(nameof(LockRoster))]
    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> LockRoster(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/roster/lock")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId)
    {
        var ct = request.HttpContext.RequestAborted;
        if (await cycles.GetAsync(cycleId, ct) is not { } cycle)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var (already, refusal) = await rosterLock.LockAsync(cycle, AuditActors.Of(request), ct);
        if (refusal is not null)
        {
            return refusal.ToResult();
        }

        await gate.SignalAsync(durable, cycleId, ct); // also when already locked: a lost event is raised again
        return Http.Ok(new { cycleId, locked = true, already });
    }

    [Function(nameof(ReopenRoster))]
    [Requires(Permission.ManageAccess, AccessScope.Cycle)]
    public async Task<IActionResult> ReopenRoster(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/roster/reopen")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId)
    {
        var ct = request.HttpContext.RequestAborted;
        if (await cycles.GetAsync(cycleId, ct) is not { } cycle)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var body = await Http.ReadBodyAsync(request, 16 * 1024, ct);
        if (body is null)
        {
            return Http.TooLarge(16 * 1024);
        }

        if (!Http.TryParseJson<RosterReopenRequest>(body, out var input, out var parseError))
        {
            return parseError!;
        }

        var (reopened, refusal) = await rosterLock.ReopenAsync(cycle, input!.Reason, AuditActors.Of(request), ct);
        if (refusal is not null)
        {
            return refusal.ToResult();
        }

        // The rule is re-run for the whole cycle as workflow work, then the documents follow (revoked/reissued where it changed).
        string? followUpId = null;
        if (cycle.Phase == CyclePhase.Completed
            && (followUpId = await followUp.ScheduleCertificatesAsync(cycle, CompletionFollowUp.ChangeKey("reopen", cycleId, reopened.ToString(System.Globalization.CultureInfo.InvariantCulture)), durable, ct, reevaluate: true)) is null)
        {
            return CompletionFollowUp.NotScheduled(request);
        }

        return Http.Ok(new { cycleId, locked = false, reopened, rerun = new { scheduled = followUpId is not null, followUpId } });
    }

    private async Task<(CycleRecord? Cycle, ParticipantEntity? Participant, IActionResult? Refused)> ResolveAsync(HttpRequest request, string cycleId, string lang, CancellationToken ct)
    {
        var problem = tokens.Validate(request.Query["t"].FirstOrDefault(), TokenPurpose.Manage, out var claims);
        var cycle = problem == TokenProblem.None && claims!.CycleId == cycleId ? await cycles.GetAsync(cycleId, ct) : null;
        var participant = cycle is null ? null : await participants.GetAsync(cycleId, claims!.SubjectId, ct);
        if (participant is null || participant.TokenVersion != claims!.Version)
        {
            return (null, null, View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Absence_Link_Title), problem == TokenProblem.Expired ? nameof(Texts.Absence_Link_Expired) : nameof(Texts.Absence_Link_Invalid)));
        }

        return participant.Status != ParticipantStatus.Confirmed || cycle!.Phase == CyclePhase.Cancelled
            ? (null, null, View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Absence_Link_Title), nameof(Texts.Absence_Link_NotParticipant)))
            : (cycle, participant, null);
    }

    /// <summary>The multipart form; null when it is larger than an evidence file may be (nothing is read past the limit).</summary>
    private static async Task<AbsenceRequestInput?> ReadFormAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength is > MaxFormBytes || !request.HasFormContentType)
        {
            return request.HasFormContentType ? null : new AbsenceRequestInput(null, null, null, null);
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(new Microsoft.AspNetCore.Http.Features.FormOptions { MultipartBodyLengthLimit = MaxFormBytes }, ct);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return null;
        }

        var file = form.Files["evidence"];
        if (file is { Length: > EvidenceCheck.MaxBytes })
        {
            return null;
        }

        byte[]? evidence = null;
        if (file is { Length: > 0 })
        {
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, ct);
            evidence = buffer.ToArray();
        }

        return new AbsenceRequestInput(form["session"].FirstOrDefault(), form["reason"].FirstOrDefault(), form["note"].FirstOrDefault(), evidence);
    }
}
