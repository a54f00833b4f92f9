using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;
using TrainingCycles.Nomination.Views;
using static TrainingCycles.Infrastructure.Pages;

namespace TrainingCycles.Nomination;

/// <summary>The nominee's own link (cycles with <c>nomineeMustAccept</c>): signed, for one nominee of one cycle.</summary>
public static class NomineeResponse
{
    /// <summary>A token for this purpose is refused for any other (and participants' tokens are refused here).</summary>
    public const string Purpose = "nomination-answer";

    /// <summary>Valid until training starts: after it an answer changes nothing.</summary>
    public static string Link(Tokens tokens, Uri baseUri, CycleRecord cycle, NomineeEntity nominee)
    {
        var token = tokens.Create(Purpose, cycle.CycleId, nominee.RowKey, cycle.Schedule.TrainingStartsAt);
        return new Uri(baseUri, $"api/cycles/{cycle.CycleId}/nomination/answer?t={Uri.EscapeDataString(token)}" + (nominee.Language == "en" ? "&lang=en" : "")).ToString();
    }
}

/// <summary>
/// <c>GET/POST /api/cycles/{cycleId}/nomination/answer?t=…</c>: the nominee accepts or declines their nomination. The
/// signed link is the proof (no sign-in); a link for another cycle, a forged or expired one shows a message, nothing changes.
/// </summary>
public sealed class NomineeResponseFunctions(CycleStore cycles, NominationStore store, NominationService nominations, Tokens tokens)
{
    [Function(nameof(ShowNominationAnswer))]
    public async Task<IActionResult> ShowNominationAnswer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/nomination/answer")] HttpRequest request,
        string cycleId)
    {
        var (lang, cycle, nominee, refused) = await ResolveAsync(request, cycleId);
        return refused ?? Page(request, lang, cycle!, nominee!, null);
    }

    [Function(nameof(SubmitNominationAnswer))]
    public async Task<IActionResult> SubmitNominationAnswer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/nomination/answer")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId)
    {
        var (lang, cycle, nominee, refused) = await ResolveAsync(request, cycleId);
        if (refused is not null)
        {
            return refused;
        }

        var answer = await AnswerAsync(request);
        if (answer is not ("accept" or "decline"))
        {
            return Page(request, lang, cycle!, nominee!, null, StatusCodes.Status400BadRequest);
        }

        var after = await nominations.RespondAsync(durable, cycle!, nominee!, answer == "accept", request.HttpContext.RequestAborted);
        return after is null
            ? Page(request, lang, cycle!, await store.NomineeAsync(cycleId, nominee!.RowKey) ?? nominee, null, StatusCodes.Status409Conflict)
            : Page(request, lang, cycle!, after, answer);
    }

    private async Task<(string Lang, CycleRecord? Cycle, NomineeEntity? Nominee, IActionResult? Refused)> ResolveAsync(HttpRequest request, string cycleId)
    {
        var lang = Language(request);
        var problem = tokens.Validate(request.Query["t"].FirstOrDefault(), NomineeResponse.Purpose, out var claims);
        if (problem == TokenProblem.Expired)
        {
            return (lang, null, null, View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Reg_LinkExpired_Title), nameof(Texts.Nom_Answer_Expired)));
        }

        if (problem != TokenProblem.None || claims!.CycleId != cycleId
            || await cycles.GetAsync(cycleId) is not { } cycle || await store.NomineeAsync(cycleId, claims.SubjectId) is not { } nominee)
        {
            return (lang, null, null, View.Message(lang, StatusCodes.Status400BadRequest, nameof(Texts.Reg_LinkInvalid_Title), nameof(Texts.Reg_LinkInvalid_Text)));
        }

        return (lang, cycle, nominee, null);
    }

    private static async Task<string?> AnswerAsync(HttpRequest request)
    {
        if (!request.HasFormContentType || request.ContentLength is null or > 4096)
        {
            return null;
        }

        try
        {
            return (await request.ReadFormAsync(request.HttpContext.RequestAborted))["answer"].FirstOrDefault();
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return null;
        }
    }

    private static PageResult Page(HttpRequest request, string lang, CycleRecord cycle, NomineeEntity nominee, string? done, int status = StatusCodes.Status200OK)
    {
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        return View.Page<NominationAnswerPage>(lang, new NominationAnswerPage.Data(cycle, nominee, done), status);
    }
}
