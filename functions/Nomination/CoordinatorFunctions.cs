using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;
using TrainingCycles.Nomination.Views;
using static TrainingCycles.Infrastructure.Pages;

namespace TrainingCycles.Nomination;

/// <summary>
/// The agency coordinator's nomination page (<c>/api/cycles/{cycleId}/nomination?quota=…</c>): the gate lets in people
/// with <see cref="Permission.Nominate"/> for the cycle; here a coordinator is narrowed to their own agency — another
/// agency's quota, nominee or letter answers as if it did not exist. Form posts come from this page (the session cookie
/// source refuses cross-site posts before the function runs).
/// </summary>
public sealed class CoordinatorFunctions(CycleStore cycles, NominationStore store, NominationService nominations, TimeProvider time)
{
    private const int MaxFormBytes = 16 * 1024;

    [Function(nameof(NominationPage))]
    [Requires(Permission.Nominate, AccessScope.Cycle)]
    public async Task<IActionResult> NominationPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/nomination")] HttpRequest request,
        string cycleId)
    {
        var lang = Language(request);
        if (await cycles.GetAsync(cycleId) is not { } cycle)
        {
            return View.Message(lang, StatusCodes.Status404NotFound, nameof(Texts.Nom_NotFound_Title), nameof(Texts.Nom_NotFound_Text));
        }

        // A quota the caller may not act for answers as a missing one: a coordinator learns nothing of other agencies.
        if (request.Query["quota"].FirstOrDefault() is { Length: > 0 } asked &&
            (await store.QuotaAsync(cycleId, asked) is not { } askedQuota || !NominationFunctions.MaySee(request, cycleId, askedQuota)))
        {
            return View.Message(lang, StatusCodes.Status404NotFound, nameof(Texts.Nom_NotFound_Title), nameof(Texts.Nom_NotFound_Text));
        }

        var notice = request.Query["done"].FirstOrDefault() switch
        {
            "added" => nameof(Texts.Nom_Done_Added),
            "replaced" => nameof(Texts.Nom_Done_Replaced),
            "withdrawn" => nameof(Texts.Nom_Done_Withdrawn),
            "letter" => nameof(Texts.Nom_Done_Letter),
            _ => null,
        };
        return await PageAsync(request, cycle, lang, request.Query["quota"].FirstOrDefault(), new NomineeForm(), new Dictionary<string, FieldError>(), request.Query["replace"].FirstOrDefault(), notice, StatusCodes.Status200OK);
    }

    [Function(nameof(UploadNominationLetter))]
    [Requires(Permission.Nominate, AccessScope.Cycle)]
    public async Task<IActionResult> UploadNominationLetter(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/nomination/letters")] HttpRequest request,
        string cycleId)
    {
        var (lang, cycle, quota, refused) = await ResolveAsync(request, cycleId);
        if (refused is not null)
        {
            return refused;
        }

        if (request.ContentLength > LetterCheck.MaxBytes + MaxFormBytes)
        {
            return await LetterErrorAsync(request, cycle!, quota!, lang, nameof(Texts.Field_Nom_LetterTooLarge), StatusCodes.Status413PayloadTooLarge);
        }

        if (!request.HasFormContentType)
        {
            return Http.Error(StatusCodes.Status415UnsupportedMediaType, "form_required", nameof(Texts.Error_Nom_FormRequired));
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return await LetterErrorAsync(request, cycle!, quota!, lang, nameof(Texts.Field_Nom_LetterTooLarge), StatusCodes.Status400BadRequest);
        }

        if (form.Files.GetFile("letter") is not { } file)
        {
            return await LetterErrorAsync(request, cycle!, quota!, lang, nameof(Texts.Field_Nom_LetterMissing), StatusCodes.Status400BadRequest);
        }

        if (file.Length > LetterCheck.MaxBytes)
        {
            return await LetterErrorAsync(request, cycle!, quota!, lang, nameof(Texts.Field_Nom_LetterTooLarge), StatusCodes.Status413PayloadTooLarge);
        }

        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        var (_, problem) = await nominations.UploadLetterAsync(cycle!, quota!, buffer.ToArray(), file.FileName, AuditActors.Of(request), request.HttpContext.RequestAborted);
        return problem switch
        {
            LetterProblem.None => Back(request, quota!, lang, "letter"),
            LetterProblem.TooLarge => await LetterErrorAsync(request, cycle!, quota!, lang, nameof(Texts.Field_Nom_LetterTooLarge), StatusCodes.Status413PayloadTooLarge),
            LetterProblem.Empty => await LetterErrorAsync(request, cycle!, quota!, lang, nameof(Texts.Field_Nom_LetterMissing), StatusCodes.Status400BadRequest),
            _ => await LetterErrorAsync(request, cycle!, quota!, lang, nameof(Texts.Field_Nom_LetterNotPdf), StatusCodes.Status415UnsupportedMediaType),
        };
    }

    [Function(nameof(AddNominee))]
    [Requires(Permission.Nominate, AccessScope.Cycle)]
    public async Task<IActionResult> AddNominee(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/nomination/nominees")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId)
    {
        var (lang, cycle, quota, refused) = await ResolveAsync(request, cycleId);
        if (refused is not null)
        {
            return refused;
        }

        if (await ReadFormAsync(request) is not { } form)
        {
            return Http.Error(StatusCodes.Status415UnsupportedMediaType, "form_required", nameof(Texts.Error_Nom_FormRequired));
        }

        string Get(string name) => PlainText.Line(form[name].FirstOrDefault(), 300);
        var values = new NomineeForm
        {
            FullName = Get("fullName"),
            Nip = Get("nip"),
            BirthDate = Get("birthDate"),
            BirthPlace = Get("birthPlace"),
            Gender = Get("gender"),
            Email = Get("email"),
            Phone = Get("phone"),
            Position = Get("position"),
            Rank = Get("rank"),
            LetterId = Get("letterId"),
            Language = Get("language") == "en" ? "en" : "id",
            SuperiorName = Get("superiorName"),
            SuperiorEmail = Get("superiorEmail"),
        };
        var replaces = Get("replaces") is { Length: > 0 } r ? r : null;
        var attempt = await nominations.NominateAsync(durable, cycle!, quota!, values, replaces, AuditActors.Of(request), request.HttpContext.RequestAborted);
        if (attempt.Nominee is not null)
        {
            return Back(request, quota!, lang, replaces is null ? "added" : "replaced");
        }

        var errors = attempt.Errors.GroupBy(e => e.Field, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var status = errors.ContainsKey("") ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        return await PageAsync(request, cycle!, lang, quota!.RowKey, values, errors, replaces, null, status);
    }

    [Function(nameof(WithdrawNominee))]
    [Requires(Permission.Nominate, AccessScope.Cycle)]
    public async Task<IActionResult> WithdrawNominee(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/nomination/nominees/{nomineeId}/withdraw")] HttpRequest request,
        string cycleId,
        string nomineeId)
    {
        var (lang, cycle, quota, refused) = await ResolveAsync(request, cycleId);
        if (refused is not null)
        {
            return refused;
        }

        var nominee = await store.NomineeAsync(cycleId, nomineeId);
        if (nominee is null || nominee.QuotaId != quota!.RowKey)
        {
            return View.Message(lang, StatusCodes.Status404NotFound, nameof(Texts.Nom_NotFound_Title), nameof(Texts.Nom_NotFound_Text));
        }

        if (await nominations.WithdrawAsync(cycle!, nominee, AuditActors.Of(request), request.HttpContext.RequestAborted) is null)
        {
            var errors = new Dictionary<string, FieldError> { [""] = FieldError.Of("", nameof(Texts.Field_Nom_CannotWithdraw)) };
            return await PageAsync(request, cycle!, lang, quota.RowKey, new NomineeForm(), errors, null, null, StatusCodes.Status409Conflict);
        }

        return Back(request, quota, lang, "withdrawn");
    }

    /// <summary>Every coordinator post's preamble: the page language, the cycle and the quota the request names
    /// (<c>?quota=</c>) if the caller may act for that agency — else the 404 page to answer with.</summary>
    private async Task<(string Lang, CycleRecord? Cycle, QuotaEntity? Quota, IActionResult? Refused)> ResolveAsync(HttpRequest request, string cycleId)
    {
        var lang = Language(request);
        IActionResult NotFound() => View.Message(lang, StatusCodes.Status404NotFound, nameof(Texts.Nom_NotFound_Title), nameof(Texts.Nom_NotFound_Text));
        if (await cycles.GetAsync(cycleId) is not { } cycle)
        {
            return (lang, null, null, NotFound());
        }

        var quota = await store.QuotaAsync(cycleId, request.Query["quota"].FirstOrDefault() ?? "");
        return quota is null || !NominationFunctions.MaySee(request, cycleId, quota) ? (lang, cycle, null, NotFound()) : (lang, cycle, quota, null);
    }

    private static async Task<IFormCollection?> ReadFormAsync(HttpRequest request)
    {
        if (!request.HasFormContentType || request.ContentLength is null or > MaxFormBytes)
        {
            return null;
        }

        try
        {
            return await request.ReadFormAsync(request.HttpContext.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return null;
        }
    }

    private Task<IActionResult> LetterErrorAsync(HttpRequest request, CycleRecord cycle, QuotaEntity quota, string lang, string key, int status) =>
        PageAsync(request, cycle, lang, quota.RowKey, new NomineeForm(), new Dictionary<string, FieldError> { ["letter"] = FieldError.Of("letter", key, LetterCheck.MaxBytes / (1024 * 1024)) }, null, null, status);

    private async Task<IActionResult> PageAsync(HttpRequest request, CycleRecord cycle, string lang, string? quotaId, NomineeForm values, IReadOnlyDictionary<string, FieldError> errors, string? replaceId, string? notice, int status)
    {
        var path = (request.PathBase + request.Path).Value ?? "";
        var at = path.IndexOf("/nomination", StringComparison.Ordinal);
        var root = at >= 0 ? path[..at] : "/api/cycles/" + cycle.CycleId;
        var self = root + "/nomination";
        var quotas = NominationFunctions.Visible(request, cycle.CycleId, await store.QuotasAsync(cycle.CycleId));
        var quota = quotas.FirstOrDefault(q => q.RowKey == quotaId) ?? (quotas.Count == 1 && quotaId is null ? quotas[0] : null);
        var nominees = quota is null ? [] : await store.NomineesAsync(cycle.CycleId, quota.RowKey);
        var letters = quota is null ? [] : await store.LettersAsync(cycle.CycleId, quota.RowKey);
        var deadline = NominationRules.Deadline(cycle);
        var open = quota is { Released: false } && time.GetUtcNow() < deadline && cycle.Phase is not (CyclePhase.Cancelled or CyclePhase.Completed);
        var replace = replaceId is not null && nominees.Any(n => n.RowKey == replaceId && n.Status == NomineeStatus.Nominated) ? replaceId : null;
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        return View.Page<NominationPage>(lang, new NominationPage.Data(cycle, root, self, quotas, quota, nominees, letters, deadline, open, values, errors, replace, notice), status);
    }

    private static IActionResult Back(HttpRequest request, QuotaEntity quota, string lang, string done)
    {
        var path = (request.PathBase + request.Path).Value ?? "";
        var at = path.IndexOf("/nomination", StringComparison.Ordinal);
        var self = (at >= 0 ? path[..at] : "") + "/nomination";
        request.HttpContext.Response.Headers.Location = $"{self}?quota={quota.RowKey}&done={done}" + (lang == "en" ? "&lang=en" : "");
        SecurityHeaders.ForPage(request.HttpContext.Response);
        return new StatusCodeResult(StatusCodes.Status303SeeOther);
    }
}
