using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Nomination;

/// <summary>An organizer's coordinator replacement.</summary>
public sealed record CoordinatorRequest
{
    public string? Name { get; init; }
    public string? Email { get; init; }
    public string? Language { get; init; }
}

/// <summary>An organizer's decision on one nominee: <c>approve</c> or <c>reject</c> (with a reason).</summary>
public sealed record DecisionRequest
{
    public string? Decision { get; init; }
    public string? Reason { get; init; }
}

/// <summary>
/// The organizers' side of nomination (#19): quotas (CSV import, sum within capacity), coordinators, the per-agency view
/// and export, decisions, and the letters — streamed through this function to organizers and the agency's own
/// coordinator only, never from a public URL.
/// </summary>
public sealed class NominationFunctions(CycleStore cycles, NominationStore store, NominationService nominations)
{
    private const int MaxCsvBytes = 256 * 1024;
    private const int MaxJsonBytes = 8 * 1024;

    [Function(nameof(ImportQuotas))]
    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> ImportQuotas(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "cycles/{cycleId}/quotas")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId)
    {
        if (await cycles.GetAsync(cycleId) is not { } cycle)
        {
            return Http.NotFound(Missing.Cycle);
        }

        if (cycle.Definition.Nomination is null)
        {
            return Http.Error(StatusCodes.Status409Conflict, "nomination_off", nameof(Texts.Error_Nom_NotEnabled));
        }

        if (await Http.ReadBodyAsync(request, MaxCsvBytes) is not { } body)
        {
            return Http.TooLarge(MaxCsvBytes);
        }

        var regencies = cycle.Definition.Regencies is { Count: > 0 } list ? list : CycleDefinitionValidator.CentralKalimantanRegencies;
        var (rows, errors) = QuotaImport.ParseCsv(body, regencies);
        if (errors.Count > 0)
        {
            return Http.Error(StatusCodes.Status400BadRequest, "invalid_quotas", nameof(Texts.Error_Nom_QuotaRows), [errors.Count], errors);
        }

        var user = RequestCaller.Of(request)!;
        var change = await nominations.ImportQuotasAsync(durable, cycle, rows, user, AuditActors.Of(request), request.HttpContext.RequestAborted);
        return change.Outcome switch
        {
            QuotaChangeOutcome.OverCapacity => Http.Error(StatusCodes.Status409Conflict, "over_capacity", nameof(Texts.Error_Nom_OverCapacity), [change.TotalSeats, cycle.Entity.Capacity]),
            QuotaChangeOutcome.BelowHeld => Http.Error(StatusCodes.Status409Conflict, "below_nominated", nameof(Texts.Error_Nom_BelowHeld), [string.Join(", ", change.BelowHeld.Select(r => r.Agency))]),
            QuotaChangeOutcome.Closed => Http.Error(StatusCodes.Status409Conflict, "nomination_closed", nameof(Texts.Error_Nom_Closed)),
            _ => Http.Ok(new { imported = rows.Count, totalSeats = change.TotalSeats, capacity = cycle.Entity.Capacity, open = cycle.Entity.Capacity - change.TotalSeats }),
        };
    }

    [Function(nameof(ListQuotas))]
    [Requires(Permission.ViewParticipants, AccessScope.Cycle)]
    public async Task<IActionResult> ListQuotas(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/quotas")] HttpRequest request,
        string cycleId)
    {
        if (await cycles.GetAsync(cycleId) is not { } cycle)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var quotas = Visible(request, cycleId, await store.QuotasAsync(cycleId));
        var letters = await store.LettersAsync(cycleId);
        var deadline = NominationRules.Deadline(cycle);
        return Http.Ok(new
        {
            enabled = cycle.Definition.Nomination is not null,
            deadline,
            releaseTo = cycle.Definition.Nomination?.ReleaseTo,
            capacity = cycle.Entity.Capacity,
            totalSeats = quotas.Sum(q => q.Seats),
            items = quotas.Select(q => new
            {
                quotaId = q.RowKey,
                agency = q.Agency,
                agencyLevel = q.AgencyLevel,
                regency = q.Regency,
                seats = q.Seats,
                nominated = q.Held - q.Approved,
                approved = q.Approved,
                rejected = q.Rejected,
                withdrawn = q.Withdrawn,
                letters = letters.Count(l => l.QuotaId == q.RowKey),
                coordinatorName = q.CoordinatorName,
                coordinatorEmail = q.CoordinatorEmail,
                outstanding = !q.Released && q.Held < q.Seats,
                released = q.Released,
                releasedSeats = q.ReleasedSeats,
            }),
        });
    }

    [Function(nameof(ReplaceCoordinator))]
    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> ReplaceCoordinator(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/quotas/{quotaId}/coordinator")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId,
        string quotaId)
    {
        var (cycle, input, refused) = await CycleAndBodyAsync<CoordinatorRequest>(request, cycleId);
        if (refused is not null)
        {
            return refused;
        }

        if (await store.QuotaAsync(cycleId, quotaId) is null)
        {
            return Http.Error(StatusCodes.Status404NotFound, "not_found", nameof(Texts.Error_Nom_QuotaNotFound));
        }

        var name = PlainText.Line(input!.Name, 200);
        var email = PlainText.Line(input.Email, 254).ToLowerInvariant();
        var errors = new List<FieldError>();
        if (name.Length == 0 || !name.Any(char.IsLetter))
        {
            errors.Add(FieldError.Of("name", nameof(Texts.Nom_Import_CoordinatorName)));
        }

        if (!InviteeImport.IsEmail(email))
        {
            errors.Add(FieldError.Of("email", nameof(Texts.Nom_Import_CoordinatorEmail)));
        }

        if (errors.Count > 0)
        {
            return Http.Error(StatusCodes.Status400BadRequest, "invalid_coordinator", nameof(Texts.Error_Nom_Coordinator), null, errors);
        }

        var quota = await nominations.ReplaceCoordinatorAsync(durable, cycle!, quotaId, name, email, input.Language == "en" ? "en" : "id", RequestCaller.Of(request)!, AuditActors.Of(request), request.HttpContext.RequestAborted);
        return quota is null
            ? Http.Error(StatusCodes.Status404NotFound, "not_found", nameof(Texts.Error_Nom_QuotaNotFound))
            : Http.Ok(new { quotaId, coordinatorName = quota.CoordinatorName, coordinatorEmail = quota.CoordinatorEmail });
    }

    [Function(nameof(ListNominees))]
    [Requires(Permission.ViewParticipants, AccessScope.Cycle)]
    public async Task<IActionResult> ListNominees(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/nominees")] HttpRequest request,
        string cycleId)
    {
        if (await cycles.GetAsync(cycleId) is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var quotas = Visible(request, cycleId, await store.QuotasAsync(cycleId)).Select(q => q.RowKey).ToHashSet(StringComparer.Ordinal);
        var only = request.Query["quota"].FirstOrDefault();
        var rows = (await store.NomineesAsync(cycleId)).Where(n => quotas.Contains(n.QuotaId) && (string.IsNullOrEmpty(only) || n.QuotaId == only)).ToList();
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        if (request.Query["format"] == "csv")
        {
            var name = string.IsNullOrEmpty(only) ? $"nominees-{cycleId}.csv" : $"nominees-{cycleId}-{only}.csv";
            return new FileContentResult(ToCsv(rows), "text/csv; charset=utf-8") { FileDownloadName = name };
        }

        return Http.Ok(new
        {
            items = rows.Select(n => new
            {
                nomineeId = n.RowKey,
                quotaId = n.QuotaId,
                agency = n.Agency,
                fullName = n.FullName,
                nip = n.Nip,
                email = n.Email,
                phone = n.Phone,
                position = n.Position,
                rank = n.Rank,
                birthDate = n.BirthDate,
                birthPlace = n.BirthPlace,
                letterId = n.LetterId,
                status = n.Status,
                acceptedAt = n.AcceptedAt,
                reason = n.Reason,
                participantId = n.ParticipantId,
                nominatedAt = n.NominatedAt,
                decidedAt = n.DecidedAt,
                decidedBy = n.DecidedBy,
            }),
        });
    }

    [Function(nameof(DecideNomination))]
    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> DecideNomination(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/nominees/{nomineeId}/decision")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId,
        string nomineeId)
    {
        var (cycle, input, refused) = await CycleAndBodyAsync<DecisionRequest>(request, cycleId);
        if (refused is not null)
        {
            return refused;
        }

        if (await store.NomineeAsync(cycleId, nomineeId) is not { } nominee)
        {
            return Http.Error(StatusCodes.Status404NotFound, "not_found", nameof(Texts.Error_Nom_NomineeNotFound));
        }

        if (input!.Decision is not ("approve" or "reject"))
        {
            return Http.Error(StatusCodes.Status400BadRequest, "invalid_decision", nameof(Texts.Error_Nom_Decision));
        }

        var (outcome, decided, participant) = await nominations.DecideAsync(durable, cycle!, nominee, input.Decision == "approve", input.Reason, AuditActors.Of(request), request.HttpContext.RequestAborted);
        return outcome switch
        {
            DecisionOutcome.AwaitingAcceptance => Http.Error(StatusCodes.Status409Conflict, "awaiting_acceptance", nameof(Texts.Error_Nom_AwaitingAcceptance)),
            DecisionOutcome.ReasonRequired => Http.Error(StatusCodes.Status400BadRequest, "reason_required", nameof(Texts.Error_Nom_ReasonRequired)),
            DecisionOutcome.NotNominated => Http.Error(StatusCodes.Status409Conflict, "already_decided", nameof(Texts.Error_Nom_AlreadyDecided), [nominee.Status]),
            DecisionOutcome.NipTaken => Http.Error(StatusCodes.Status409Conflict, "nip_taken", nameof(Texts.Error_Nom_NipRegistered)),
            DecisionOutcome.EmailTaken => Http.Error(StatusCodes.Status409Conflict, "email_taken", nameof(Texts.Error_Nom_EmailRegistered)),
            _ => Http.Ok(new { nomineeId, status = decided!.Status, reason = decided.Reason, participantId = participant?.RowKey, participantStatus = participant?.Status, registrationNumber = participant?.RegistrationNumber }),
        };
    }

    [Function(nameof(DownloadNominationLetter))]
    [Requires(Permission.ViewParticipants, AccessScope.Cycle)]
    public async Task<IActionResult> DownloadNominationLetter(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/letters/{letterId}")] HttpRequest request,
        string cycleId,
        string letterId)
    {
        var letter = await store.LetterAsync(cycleId, letterId);
        var quota = letter is null ? null : await store.QuotaAsync(cycleId, letter.QuotaId);
        // Another agency's letter answers exactly like a missing one: a coordinator learns nothing about other agencies.
        if (letter is null || quota is null || !MaySee(request, cycleId, quota))
        {
            return Http.Error(StatusCodes.Status404NotFound, "not_found", nameof(Texts.Error_Nom_LetterNotFound));
        }

        var content = await nominations.ReadLetterAsync(cycleId, letter, request.HttpContext.RequestAborted);
        var headers = request.HttpContext.Response.Headers;
        headers.CacheControl = "private, no-store";
        headers.XContentTypeOptions = "nosniff";
        return new FileContentResult(content, "application/pdf") { FileDownloadName = letter.FileName };
    }

    /// <summary>The organizer API's preamble: the cycle and the JSON body, or the answer refusing them (404, 413, 400).</summary>
    private async Task<(CycleRecord? Cycle, T? Input, IActionResult? Refused)> CycleAndBodyAsync<T>(HttpRequest request, string cycleId)
        where T : class
    {
        if (await cycles.GetAsync(cycleId) is not { } cycle)
        {
            return (null, null, Http.NotFound(Missing.Cycle));
        }

        if (await Http.ReadBodyAsync(request, MaxJsonBytes) is not { } body)
        {
            return (cycle, null, Http.TooLarge(MaxJsonBytes));
        }

        return Http.TryParseJson<T>(body, out var input, out var error) ? (cycle, input, null) : (cycle, null, error);
    }

    /// <summary>Whether the caller sees this agency's quota: everyone with a cycle-wide grant; a coordinator only their own.</summary>
    public static bool MaySee(HttpRequest request, string cycleId, QuotaEntity quota) =>
        RequestAccess.Of(request)?.AgencyFilter(cycleId) is not { } agencies || agencies.Contains(CallerAccess.AgencyKey(quota.Agency));

    public static IReadOnlyList<QuotaEntity> Visible(HttpRequest request, string cycleId, IReadOnlyList<QuotaEntity> quotas) =>
        [.. quotas.Where(q => MaySee(request, cycleId, q))];

    public static byte[] ToCsv(IReadOnlyList<NomineeEntity> rows)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { InjectionOptions = InjectionOptions.None };
        using var buffer = new MemoryStream();
        using (var writer = new StreamWriter(buffer, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)))
        using (var csv = new CsvWriter(writer, config))
        {
            foreach (var header in new[] { "nominee_id", "agency", "status", "full_name", "nip", "email", "phone", "position", "rank", "letter_id", "reason", "participant_id" })
            {
                csv.WriteField(header);
            }

            csv.NextRecord();
            foreach (var n in rows)
            {
                foreach (var value in new[] { n.RowKey, n.Agency, n.Status, n.FullName })
                {
                    csv.WriteField(ParticipantFunctions.FormulaSafe(value));
                }

                csv.WriteField(ParticipantFunctions.NipAsText(n.Nip));
                foreach (var value in new[] { n.Email, n.Phone, n.Position, n.Rank, n.LetterId, n.Reason, n.ParticipantId })
                {
                    csv.WriteField(ParticipantFunctions.FormulaSafe(value));
                }

                csv.NextRecord();
            }
        }

        return buffer.ToArray();
    }
}
