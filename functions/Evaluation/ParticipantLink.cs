using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;

namespace TrainingCycles.Evaluation;

/// <summary>
/// The participant's personal link (the manage token mailed to them, <c>?t=…</c>) resolved to a confirmed participant
/// of the cycle, or the page that says why not. Tests and ratings need no sign-up: the link is the proof.
/// </summary>
public sealed class ParticipantLink(CycleStore cycles, ParticipantStore participants, Tokens tokens)
{
    public const int MaxFormBytes = 16 * 1024;

    public sealed record Resolved(CycleRecord Cycle, ParticipantEntity Participant, string Token);

    public async Task<(Resolved? Link, IActionResult? Refusal)> ResolveAsync(HttpRequest request, string cycleId, string lang, CancellationToken cancellationToken, string purpose = TokenPurpose.Manage)
    {
        var token = request.Query["t"].FirstOrDefault();
        var problem = tokens.Validate(token, purpose, out var claims);
        if (problem != TokenProblem.None || claims!.CycleId != cycleId)
        {
            return (null, problem == TokenProblem.Expired
                ? View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Eval_Link_Expired_Title), nameof(Texts.Eval_Link_Expired_Text))
                : View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Eval_Link_Invalid_Title), nameof(Texts.Eval_Link_Invalid_Text)));
        }

        var cycle = await cycles.GetAsync(cycleId, cancellationToken);
        var participant = cycle is null ? null : await participants.GetAsync(cycleId, claims.SubjectId, cancellationToken);
        if (cycle is null || participant is null || participant.TokenVersion != claims.Version)
        {
            return (null, View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Eval_Link_Invalid_Title), nameof(Texts.Eval_Link_Invalid_Text)));
        }

        if (participant.Status != ParticipantStatus.Confirmed || cycle.Phase == CyclePhase.Cancelled)
        {
            return (null, View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Eval_NotParticipant_Title), nameof(Texts.Eval_NotParticipant_Text)));
        }

        return (new Resolved(cycle, participant, token!), null);
    }

    /// <summary>Reads a small urlencoded form; null form with a refusal page when it is too large, missing or unreadable.</summary>
    public static async Task<(IFormCollection? Form, IActionResult? Refusal)> ReadFormAsync(HttpRequest request, string lang, CancellationToken cancellationToken)
    {
        if (request.ContentLength is null or > MaxFormBytes || !request.HasFormContentType)
        {
            return (null, View.Message(lang, StatusCodes.Status400BadRequest, nameof(Texts.Eval_BadForm_Title), nameof(Texts.Eval_BadForm_Text), MaxFormBytes / 1024));
        }

        try
        {
            return (await request.ReadFormAsync(cancellationToken), null);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return (null, View.Message(lang, StatusCodes.Status400BadRequest, nameof(Texts.Eval_BadForm_Title), nameof(Texts.Eval_BadForm_Text), MaxFormBytes / 1024));
        }
    }
}
