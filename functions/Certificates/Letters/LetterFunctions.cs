using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;

namespace TrainingCycles.Certificates.Letters;

/// <summary>#20: the workflow step that issues letters of participation, their public verification page and the organizer's download.</summary>
public sealed class LetterFunctions(LetterIssuer letters, CycleStore cycles, AuditLog audit, ILogger<LetterFunctions> logger, Tokens tokens, ParticipantStore participants)
{
    [Function(nameof(IssueLetters))]
    public async Task<StepResult> IssueLetters([ActivityTrigger] string cycleId)
    {
        var stored = await letters.IssueAsync(cycleId);
        logger.LogInformation("Letters of cycle {CycleId}: {Stored} stored", cycleId, stored);
        return new StepResult(stored);
    }

    /// <summary>Public: the letter's number, holder, training and status (no NIP, no email, no reason). JSON on <c>Accept: application/json</c>.</summary>
    [Function(nameof(VerifyLetter))]
    public async Task<IActionResult> VerifyLetter(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "verify/letters/{code}")] HttpRequest request,
        string code)
    {
        var lang = Pages.Language(request);
        var json = request.Headers.Accept.Any(a => a?.Contains("application/json", StringComparison.OrdinalIgnoreCase) == true);
        var letter = await letters.FindByCodeAsync(code.Trim().ToUpperInvariant(), request.HttpContext.RequestAborted)
            ?? await letters.FindByCodeAsync(code.Trim(), request.HttpContext.RequestAborted);
        if (letter is null || letter.Sha256 is null)
        {
            return json
                ? Http.Error(StatusCodes.Status404NotFound, "not_found", nameof(Texts.Cert_LetterVerify_NotFound_Text))
                : View.Message(lang, StatusCodes.Status404NotFound, nameof(Texts.Cert_LetterVerify_NotFound_Title), nameof(Texts.Cert_LetterVerify_NotFound_Text));
        }

        var cycle = await cycles.GetAsync(letter.PartitionKey, request.HttpContext.RequestAborted);
        var valid = letter.Status == LetterStatus.Valid;
        var dates = cycle is null ? letter.TrainingDates : Formatting.DateRange(cycle.Schedule, lang);
        if (json)
        {
            return Http.Ok(new
            {
                status = valid ? "valid" : "revoked",
                valid,
                letterNumber = letter.Number,
                holderName = letter.HolderName,
                trainingTitle = letter.TrainingTitle,
                organizer = cycle?.Definition.OrganizerName,
                trainingDates = dates,
                issuedAt = letter.IssuedAt,
                revokedAt = letter.RevokedAt,
                sha256 = letter.Sha256,
            });
        }

        return valid
            ? View.Message(lang, StatusCodes.Status200OK, nameof(Texts.Cert_LetterVerify_Valid_Title), nameof(Texts.Cert_LetterVerify_Valid_Text),
                letter.Number, letter.HolderName, letter.TrainingTitle, dates, cycle?.Definition.OrganizerName ?? "")
            : View.Message(lang, StatusCodes.Status200OK, nameof(Texts.Cert_LetterVerify_Revoked_Title), nameof(Texts.Cert_LetterVerify_Revoked_Text), letter.Number);
    }

    /// <summary>The stored PDF of one person's letter, streamed through this function (the container is private).</summary>
    [Function(nameof(DownloadLetter))]
    [Requires(Permission.ViewPersonalData, AccessScope.Cycle)]
    public async Task<IActionResult> DownloadLetter(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/participants/{participantId}/letter")] HttpRequest request,
        string cycleId,
        string participantId)
    {
        var ct = request.HttpContext.RequestAborted;
        var letter = await letters.GetAsync(cycleId, participantId, ct);
        if (letter?.Sha256 is null)
        {
            return Http.Error(StatusCodes.Status404NotFound, "no_letter", nameof(Texts.Error_Letter_None));
        }

        await audit.ViewedAsync(cycleId, AuditActors.Of(request), "letter", participantId, cancellationToken: ct);
        var content = (await letters.Container.GetBlobClient(letter.BlobName).DownloadContentAsync(ct)).Value.Content.ToArray();
        return new FileContentResult(content, "application/pdf") { FileDownloadName = "surat-keterangan-" + letter.Number.Replace('/', '-') + ".pdf" };
    }

    /// <summary>
    /// #20: the participant's own letter, from the link on their manage page (<c>?t=</c> = their manage token, as the
    /// absence page): streamed through this function from the private container, never a blob URL; only a valid letter.
    /// </summary>
    [Function(nameof(DownloadMyLetter))]
    public async Task<IActionResult> DownloadMyLetter(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/my-letter")] HttpRequest request,
        string cycleId)
    {
        var ct = request.HttpContext.RequestAborted;
        var lang = Pages.Language(request);
        var problem = tokens.Validate(request.Query["t"].FirstOrDefault(), TokenPurpose.Manage, out var claims);
        var participant = problem == TokenProblem.None && claims!.CycleId == cycleId ? await participants.GetAsync(cycleId, claims.SubjectId, ct) : null;
        if (participant is null || participant.TokenVersion != claims!.Version)
        {
            return View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Absence_Link_Title), problem == TokenProblem.Expired ? nameof(Texts.Absence_Link_Expired) : nameof(Texts.Absence_Link_Invalid));
        }

        var letter = await letters.GetAsync(cycleId, participant.RowKey, ct);
        if (letter?.Sha256 is null || letter.Status != LetterStatus.Valid)
        {
            return View.Message(lang, StatusCodes.Status404NotFound, nameof(Texts.Letter_Mine_None_Title), nameof(Texts.Letter_Mine_None_Text));
        }

        await audit.WriteAsync(cycleId, AuditActors.Participant(request), "letter.downloaded", participant.RowKey, letter.Number, ct);
        var content = (await letters.Container.GetBlobClient(letter.BlobName).DownloadContentAsync(ct)).Value.Content.ToArray();
        return new FileContentResult(content, "application/pdf") { FileDownloadName = "surat-keterangan-" + letter.Number.Replace('/', '-') + ".pdf" };
    }
}
