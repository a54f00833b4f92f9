using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;

namespace TrainingCycles.Records;

/// <summary>A participant's biodata page as the view shows it.</summary>
public sealed record BiodataState(
    CycleRecord Cycle,
    ParticipantEntity Participant,
    IReadOnlyDictionary<string, string?> OnFile,
    BiodataEntity? Confirmation,
    BiodataEntity? Pending,
    BiodataEntity? LastDecided,
    DateTimeOffset? Deadline,
    bool Issued);

/// <summary>What the organizer sees: the counts and every request.</summary>
public sealed record BiodataOverview(DateTimeOffset? Deadline, int Participants, int Confirmed, int CorrectionPending, int NoAnswer, IReadOnlyList<object> Requests);

/// <summary>
/// Biodata confirmation before documents are issued (#22 item 4, docs/biodata.md): the participant confirms how they
/// will be printed or asks for a correction (checked with the registration form's own validators); the organizer
/// accepts or rejects it; the decision's effects (the participant row, a reissue after issue, the mail) run as
/// workflow work (<see cref="BiodataWorkflow"/>), never in the HTTP request.
/// </summary>
public sealed class BiodataService(CycleStore cycles, ParticipantStore participants, BiodataStore store, CertificateIssuer issuer, Tokens tokens, AuditLog audit, TimeProvider time, ILogger<BiodataService> logger)
{
    public const int MaxReasonLength = 500;

    public static DateTimeOffset? Deadline(CycleRecord cycle) =>
        cycle.Definition.Records?.BiodataDeadline is { } value ? CycleDefinitionValidator.ParseTime(value, cycle.Schedule.TimeZone) : null;

    public static IReadOnlyDictionary<string, string?> OnFile(ParticipantEntity p) => new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        [BiodataFields.FullName] = p.FullName,
        [BiodataFields.Nip] = p.Nip,
        [BiodataFields.BirthPlace] = p.BirthPlace,
        [BiodataFields.BirthDate] = p.BirthDate,
        [BiodataFields.Rank] = p.Rank,
        [BiodataFields.Position] = p.Position,
        [BiodataFields.Agency] = p.Agency,
    };

    /// <summary>The manage link's participant (a confirmed seat), or the refusal page's title and text keys.</summary>
    public async Task<(CycleRecord? Cycle, ParticipantEntity? Participant, (string Title, string Text)? Problem)> ResolveAsync(string cycleId, string? token, CancellationToken ct)
    {
        var problem = tokens.Validate(token, TokenPurpose.Manage, out var claims);
        var cycle = problem == TokenProblem.None && claims!.CycleId == cycleId ? await cycles.GetAsync(cycleId, ct) : null;
        if (cycle is null)
        {
            return (null, null, problem == TokenProblem.Expired ? (nameof(Texts.Reg_LinkExpired_Title), nameof(Texts.Reg_LinkExpired_Text)) : (nameof(Texts.Reg_LinkInvalid_Title), nameof(Texts.Reg_LinkInvalid_Text)));
        }

        var p = await participants.GetAsync(cycleId, claims!.SubjectId, ct);
        if (p is null || claims.Version != p.TokenVersion || ParticipantStore.IsAnonymised(p))
        {
            return (null, null, (nameof(Texts.Reg_LinkReplaced_Title), nameof(Texts.Reg_LinkReplaced_Text)));
        }

        if (p.Status != ParticipantStatus.Confirmed)
        {
            return (null, null, (nameof(Texts.Biodata_NotConfirmed_Title), nameof(Texts.Biodata_NotConfirmed_Text)));
        }

        return (cycle, p, null);
    }

    public async Task<BiodataState> StateAsync(CycleRecord cycle, ParticipantEntity p, CancellationToken ct)
    {
        var (confirmation, requests) = await store.ForParticipantAsync(cycle.CycleId, p.RowKey, ct);
        var issued = p.CertificateId is { } id && await issuer.GetAsync(cycle.CycleId, id, ct) is { Status: CertificateStatus.Valid };
        return new BiodataState(cycle, p, OnFile(p), confirmation, requests.LastOrDefault(r => r.Status == BiodataStatus.Pending),
            requests.LastOrDefault(r => r.Status is BiodataStatus.Accepted or BiodataStatus.Rejected), Deadline(cycle), issued);
    }

    public async Task ConfirmAsync(HttpRequest request, CycleRecord cycle, ParticipantEntity p, CancellationToken ct)
    {
        var row = await store.ConfirmAsync(cycle.CycleId, p.RowKey, time.GetUtcNow(), ct);
        await audit.WriteAsync(cycle.CycleId, Identity.AuditActors.Participant(request), "biodata.confirmed", p.RowKey, "at=" + row.ConfirmedAt?.ToString("O"), ct);
    }

    /// <summary>
    /// Checks a correction request with the registration validators (NIP check, birth date against the NIP, lengths)
    /// and returns the fields that change, normalised. The form's other fields are not part of the request: they get
    /// fixed valid stand-ins so only the printed fields can fail.
    /// </summary>
    public (IReadOnlyDictionary<string, string?> Changes, IReadOnlyList<FieldError> Errors) Check(CycleRecord cycle, ParticipantEntity p, IFormCollection form)
    {
        string Typed(string field) => PlainText.Line(form[field].FirstOrDefault(), 1000);
        var typed = new RegistrationForm
        {
            FullName = Typed(BiodataFields.FullName),
            Nip = Typed(BiodataFields.Nip),
            BirthPlace = Typed(BiodataFields.BirthPlace),
            BirthDate = Typed(BiodataFields.BirthDate),
            Rank = Typed(BiodataFields.Rank),
            Position = Typed(BiodataFields.Position),
            Agency = Typed(BiodataFields.Agency),
            Email = "biodata@example.org",
            Phone = "081200000000",
            AgencyLevel = "provinsi",
            Consent = true,
            Language = p.Language,
        };
        var today = DateOnly.FromDateTime(CycleSchedule.ToLocal(time.GetUtcNow(), cycle.Schedule.TimeZone).DateTime);
        var (valid, errors) = RegistrationValidator.Validate(typed, [], today);
        if (valid is null)
        {
            return (new Dictionary<string, string?>(), [.. errors.Where(e => BiodataFields.All.Contains(e.Field))]);
        }

        var asked = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [BiodataFields.FullName] = valid.FullName,
            [BiodataFields.Nip] = valid.Nip,
            [BiodataFields.BirthPlace] = valid.BirthPlace,
            [BiodataFields.BirthDate] = valid.BirthDate,
            [BiodataFields.Rank] = valid.Rank,
            [BiodataFields.Position] = valid.Position,
            [BiodataFields.Agency] = valid.Agency,
        };
        var onFile = OnFile(p);
        var changes = asked.Where(a => !string.Equals(a.Value ?? "", onFile[a.Key] ?? "", StringComparison.Ordinal))
            .ToDictionary(a => a.Key, a => (string?)(a.Value ?? ""), StringComparer.Ordinal);
        return changes.Count == 0 ? (changes, [FieldError.Of("", nameof(Texts.Biodata_NothingChanged))]) : (changes, []);
    }

    /// <summary>Stores a checked request; the refusal's field error when the NIP is someone else's or a request is pending.</summary>
    public async Task<FieldError?> RequestCorrectionAsync(HttpRequest request, CycleRecord cycle, ParticipantEntity p, IReadOnlyDictionary<string, string?> changes, CancellationToken ct)
    {
        if (changes.TryGetValue(BiodataFields.Nip, out var nip) && await NipTakenAsync(cycle.CycleId, p.RowKey, nip, ct))
        {
            return FieldError.Of(BiodataFields.Nip, nameof(Texts.Biodata_NipTaken));
        }

        var onFile = OnFile(p);
        var row = await store.AddRequestAsync(cycle.CycleId, p.RowKey, changes, changes.Keys.ToDictionary(k => k, k => onFile[k], StringComparer.Ordinal), time.GetUtcNow(), ct);
        if (row is null)
        {
            return FieldError.Of("", nameof(Texts.Biodata_AlreadyPending));
        }

        await audit.WriteAsync(cycle.CycleId, Identity.AuditActors.Participant(request), "biodata.correction-requested", p.RowKey, row.RowKey + ": " + string.Join(",", changes.Keys), ct);
        return null;
    }

    private async Task<bool> NipTakenAsync(string cycleId, string participantId, string? nip, CancellationToken ct) =>
        nip is { Length: > 0 } && await participants.FindIndexAsync(cycleId, ParticipantStore.NipIndexKey(cycleId, nip), ct) is { } index && index.ParticipantId != participantId;

    public async Task<BiodataOverview> OverviewAsync(CycleRecord cycle, CancellationToken ct)
    {
        var rows = await store.ListAsync(cycle.CycleId, ct);
        var people = (await participants.ListAsync(cycle.CycleId, ct)).Where(p => p.Status == ParticipantStatus.Confirmed && !ParticipantStore.IsAnonymised(p)).ToDictionary(p => p.RowKey, StringComparer.Ordinal);
        var confirmed = rows.Where(r => r.RowKey.StartsWith(BiodataEntity.ConfirmationPrefix, StringComparison.Ordinal)).Select(r => r.ParticipantId).ToHashSet(StringComparer.Ordinal);
        var requests = rows.Where(r => r.RowKey.StartsWith(BiodataEntity.RequestPrefix, StringComparison.Ordinal)).OrderBy(r => r.RequestedAt).ToList();
        var pending = requests.Where(r => r.Status == BiodataStatus.Pending).Select(r => r.ParticipantId).ToHashSet(StringComparer.Ordinal);
        var answered = requests.Select(r => r.ParticipantId).Concat(confirmed).ToHashSet(StringComparer.Ordinal);
        var list = requests.Where(r => people.ContainsKey(r.ParticipantId)).Select(r => (object)new
        {
            requestId = r.RowKey,
            participantId = r.ParticipantId,
            fullName = people[r.ParticipantId].FullName,
            status = r.Status,
            requestedAt = r.RequestedAt,
            requested = r.RequestedValues(),
            previous = r.PreviousValues(),
            decidedAt = r.DecidedAt,
            decidedBy = r.DecidedBy,
            reason = r.DecisionReason,
            appliedAt = r.AppliedAt,
            applyOutcome = r.ApplyOutcome,
            reissueOf = r.ReissueOf,
        }).ToList();
        return new BiodataOverview(Deadline(cycle), people.Count, people.Keys.Count(confirmed.Contains), people.Keys.Count(pending.Contains), people.Keys.Count(k => !answered.Contains(k)), list);
    }

    /// <summary>
    /// The organizer's decision: stored under the row's ETag (a second, different decision is refused; the same one
    /// again is a no-op), audited with the person's name, then handed to the workflow, which applies it (reissuing the
    /// certificate when it was already issued) and mails the participant once.
    /// </summary>
    public async Task<(BiodataEntity? Row, bool Changed, Refusal? Refused)> DecideAsync(CycleRecord cycle, string requestId, string? decision, string? reason, AuditActor actor, DurableTaskClient durable, CancellationToken ct)
    {
        var accept = decision switch { "accept" => true, "reject" => false, _ => (bool?)null };
        if (accept is null)
        {
            return (null, false, new Refusal(StatusCodes.Status400BadRequest, "invalid_decision", nameof(Texts.Error_Biodata_Decision)));
        }

        var note = PlainText.Line(reason, 2000).Trim();
        if ((accept == false && note.Length == 0) || note.Length > MaxReasonLength)
        {
            return (null, false, new Refusal(StatusCodes.Status400BadRequest, "invalid_reason", nameof(Texts.Error_Biodata_Reason), [MaxReasonLength]));
        }

        var status = accept.Value ? BiodataStatus.Accepted : BiodataStatus.Rejected;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var row = await store.GetAsync(cycle.CycleId, requestId, ct);
            if (row is null)
            {
                return (null, false, new Refusal(StatusCodes.Status404NotFound, "not_found", nameof(Texts.Error_Biodata_NotFound)));
            }

            if (row.Status != BiodataStatus.Pending)
            {
                return row.Status == status ? (row, false, null) : (row, false, new Refusal(StatusCodes.Status409Conflict, "already_decided", nameof(Texts.Error_Biodata_AlreadyDecided)));
            }

            if (accept.Value && row.RequestedValues().TryGetValue(BiodataFields.Nip, out var nip) && await NipTakenAsync(cycle.CycleId, row.ParticipantId, nip, ct))
            {
                return (row, false, new Refusal(StatusCodes.Status409Conflict, "nip_taken", nameof(Texts.Error_Biodata_NipTaken)));
            }

            row.Status = status;
            row.DecidedAt = time.GetUtcNow();
            row.DecidedBy = actor.Name;
            row.DecisionReason = note.Length == 0 ? null : note;
            if (!await store.TryReplaceAsync(row, ct))
            {
                continue;
            }

            await audit.WriteAsync(cycle.CycleId, actor, accept.Value ? "biodata.correction-accepted" : "biodata.correction-rejected", row.ParticipantId,
                row.RowKey + ": " + string.Join(",", row.RequestedValues().Keys) + (note.Length == 0 ? "" : "; " + note), ct);
            await BiodataWorkflow.ScheduleDecisionAsync(durable, new BiodataDecisionInput(cycle.CycleId, row.RowKey), logger, ct);
            return (row, true, null);
        }

        return (null, false, new Refusal(StatusCodes.Status409Conflict, "busy", nameof(Texts.Error_Biodata_AlreadyDecided)));
    }
}
