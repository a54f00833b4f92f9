using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Reminders;

namespace TrainingCycles.Nomination;

/// <summary>What a coordinator types for one nominee (a form post).</summary>
public sealed record NomineeForm
{
    public string FullName { get; init; } = "";
    public string Nip { get; init; } = "";
    public string BirthDate { get; init; } = "";
    public string BirthPlace { get; init; } = "";
    public string Gender { get; init; } = "";
    public string Email { get; init; } = "";
    public string Phone { get; init; } = "";
    public string Position { get; init; } = "";
    public string Rank { get; init; } = "";
    public string LetterId { get; init; } = "";
    public string Language { get; init; } = "id";

    /// <summary>#21: optional, the nominee's direct superior (the follow-up survey asks them).</summary>
    public string SuperiorName { get; init; } = "";
    public string SuperiorEmail { get; init; } = "";
}

public sealed record NominationAttempt(NomineeEntity? Nominee, IReadOnlyList<FieldError> Errors);

public enum DecisionOutcome
{
    Approved,
    Rejected,
    NotNominated,
    ReasonRequired,

    /// <summary>The cycle asks nominees to accept first, and this one has not (yet).</summary>
    AwaitingAcceptance,
    NipTaken,
    EmailTaken,
}

/// <summary>
/// The nomination path (#19): quotas and their coordinators (grants scoped to cycle + agency, invitation mails), the
/// coordinators' nominations with their letters, and the organizer's decisions — approved nominees become registered
/// participants through <see cref="RegistrationService"/> and get the usual confirmation (manage link, .ics, reminders).
/// </summary>
public sealed class NominationService(
    NominationStore store,
    ParticipantStore participants,
    RegistrationService registrations,
    MailOutboxWaker outbox,
    GrantStore grants,
    AuditLog audit,
    StorageAccount storage,
    TimeProvider time,
    ILogger<NominationService> logger)
{
    public const string LettersContainer = "nomination-letters";

    private BlobContainerClient Letters => storage.Blobs.GetBlobContainerClient(LettersContainer);

    public static string LetterBlobName(string cycleId, string letterId) => $"{cycleId}/{letterId}.pdf";

    /// <summary>Imports quotas; each new (or changed) coordinator gets a coordinator grant for this cycle and agency and an
    /// invitation mail; a coordinator who was replaced loses the grant.</summary>
    public async Task<QuotaChange> ImportQuotasAsync(DurableTaskClient durable, CycleRecord cycle, IReadOnlyList<QuotaRow> rows, AuthenticatedUser by, AuditActor actor, CancellationToken ct = default)
    {
        var before = (await store.QuotasAsync(cycle.CycleId, ct)).ToDictionary(q => q.RowKey, StringComparer.Ordinal);
        var released = before.Values.Any(q => q.Released) || time.GetUtcNow() >= NominationRules.Deadline(cycle);
        var change = await store.SetQuotasAsync(cycle.CycleId, rows, cycle.Entity.Capacity, released, ct);
        if (change.Outcome != QuotaChangeOutcome.Saved)
        {
            return change;
        }

        foreach (var (quota, coordinatorChanged) in change.Saved)
        {
            if (coordinatorChanged)
            {
                await HandOverAsync(durable, cycle, quota, before.GetValueOrDefault(quota.RowKey)?.CoordinatorEmail, by, ct);
            }
        }

        await audit.WriteAsync(cycle.CycleId, actor, "nomination.quotas-set", null, $"{rows.Count} agencies, {change.TotalSeats} seats", ct);
        await NominationWorkflow.EnsureStartedAsync(durable, cycle.CycleId, logger);
        return change;
    }

    public async Task<QuotaEntity?> ReplaceCoordinatorAsync(DurableTaskClient durable, CycleRecord cycle, string quotaId, string name, string email, string language, AuthenticatedUser by, AuditActor actor, CancellationToken ct = default)
    {
        var before = await store.QuotaAsync(cycle.CycleId, quotaId, ct);
        if (before is null)
        {
            return null;
        }

        var quota = await store.ReplaceCoordinatorAsync(cycle.CycleId, quotaId, name, email, language, ct);
        if (quota is not null)
        {
            await HandOverAsync(durable, cycle, quota, before.CoordinatorEmail, by, ct);
            await audit.WriteAsync(cycle.CycleId, actor, "nomination.coordinator-replaced", null, quota.Agency, ct);
        }

        return quota;
    }

    private async Task HandOverAsync(DurableTaskClient durable, CycleRecord cycle, QuotaEntity quota, string? previousEmail, AuthenticatedUser by, CancellationToken ct)
    {
        if (previousEmail is { Length: > 0 } old && !string.Equals(old, quota.CoordinatorEmail, StringComparison.Ordinal))
        {
            var subject = Subjects.ForEmail(old);
            var id = GrantStore.IdFor(subject, Roles.Coordinator, cycle.CycleId, null, quota.Agency);
            await grants.RemoveAsync(new AccessGrant(id, subject, Roles.Coordinator, cycle.CycleId, null, quota.Agency, "grant", null, null, null), ct);
        }

        await grants.AddAsync(Subjects.ForEmail(quota.CoordinatorEmail), Roles.Coordinator, cycle.CycleId, null, quota.Agency, by, time.GetUtcNow(), ct);
        await NominationMail.ScheduleAsync(durable, new NominationMailRequest(cycle.CycleId, NominationMailKinds.Coordinator, quota.RowKey, "v" + quota.CoordinatorVersion), logger);
    }

    /// <summary>Checks the letter by content, stores it in the private container, records it for the quota.</summary>
    /// <summary>
    /// The nominee's own answer (cycles with <c>nomineeMustAccept</c>). Accept: recorded, the organizer may now approve.
    /// Decline: the nomination ends like a withdrawal (seat and NIP claim back to the agency) and the coordinator is told.
    /// Null when the nomination is no longer open to an answer (decided, withdrawn, replaced).
    /// </summary>
    public async Task<NomineeEntity?> RespondAsync(DurableTaskClient durable, CycleRecord cycle, NomineeEntity nominee, bool accept, CancellationToken ct = default)
    {
        var actor = AuditActor.Participant();
        if (accept)
        {
            var accepted = await store.AcceptAsync(cycle.CycleId, nominee.RowKey, ct);
            if (accepted is not null && nominee.AcceptedAt is null)
            {
                await audit.WriteAsync(cycle.CycleId, actor, "nomination.accepted", null, nominee.Agency + " " + nominee.RowKey, ct);
            }

            return accepted;
        }

        var declined = await store.SettleAsync(cycle.CycleId, nominee.RowKey, NomineeStatus.Declined, null, null, "nominee", ct);
        if (declined is not null)
        {
            await audit.WriteAsync(cycle.CycleId, actor, "nomination.declined", null, nominee.Agency + " " + nominee.RowKey, ct);
            await NominationMail.ScheduleAsync(durable, new NominationMailRequest(cycle.CycleId, NominationMailKinds.DeclinedCoordinator, nominee.RowKey, "declined"), logger);
        }

        return declined;
    }

    public async Task<(LetterEntity? Letter, LetterProblem Problem)> UploadLetterAsync(CycleRecord cycle, QuotaEntity quota, byte[] content, string fileName, AuditActor actor, CancellationToken ct = default)
    {
        var (problem, pages) = LetterCheck.Check(content);
        if (problem != LetterProblem.None)
        {
            return (null, problem);
        }

        var letter = new LetterEntity
        {
            PartitionKey = cycle.CycleId,
            RowKey = Ids.New("l-"),
            QuotaId = quota.RowKey,
            FileName = PlainText.Line(Path.GetFileName(fileName), 120) is { Length: > 0 } name ? name : "surat-tugas.pdf",
            Size = content.Length,
            Pages = pages,
            Sha256 = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(content)).ToLowerInvariant(),
            UploadedAt = time.GetUtcNow(),
            UploadedBy = actor.Name,
        };
        await Letters.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: ct);
        // The blob first: a row never names a letter that is not there (a blob without a row is unreachable and harmless).
        await Letters.GetBlobClient(LetterBlobName(cycle.CycleId, letter.RowKey)).UploadAsync(new BinaryData(content),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/pdf" } }, ct);
        await store.AddLetterAsync(letter, ct);
        await audit.WriteAsync(cycle.CycleId, actor, "nomination.letter-uploaded", null, quota.Agency + " " + letter.RowKey, ct);
        return (letter, LetterProblem.None);
    }

    public async Task<byte[]> ReadLetterAsync(string cycleId, LetterEntity letter, CancellationToken ct = default) =>
        (await Letters.GetBlobClient(LetterBlobName(cycleId, letter.RowKey)).DownloadContentAsync(ct)).Value.Content.ToArray();

    /// <summary>Validates and nominates (or, with <paramref name="replaces"/>, replaces a nominee). The errors say why not, per field.</summary>
    public async Task<NominationAttempt> NominateAsync(DurableTaskClient durable, CycleRecord cycle, QuotaEntity quota, NomineeForm form, string? replaces, AuditActor actor, CancellationToken ct = default)
    {
        var regencies = cycle.Definition.Regencies is { Count: > 0 } list ? list : CycleDefinitionValidator.CentralKalimantanRegencies;
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var (valid, errors) = RegistrationValidator.Validate(new RegistrationForm
        {
            FullName = form.FullName,
            Nip = form.Nip,
            Email = form.Email,
            Phone = form.Phone,
            Agency = quota.Agency,
            AgencyLevel = quota.AgencyLevel,
            Regency = quota.Regency ?? "",
            Position = form.Position,
            Rank = form.Rank,
            Consent = true,
            Language = form.Language,
            // The birth date is checked below against the NIP with the gender (one message on the NIP field).
            BirthPlace = form.BirthPlace,
            SuperiorName = form.SuperiorName,
            SuperiorEmail = form.SuperiorEmail,
        }, regencies, today);
        var problems = errors.ToList();

        DateOnly? birthDate = DateOnly.TryParseExact(form.BirthDate.Trim(), "yyyy-MM-dd", out var born) ? born : null;
        if (birthDate is null)
        {
            problems.Add(FieldError.Of("birthDate", nameof(Texts.Field_Nom_BirthDate)));
        }

        char? gender = form.Gender.Trim().ToUpperInvariant() switch { "1" or "L" or "M" => '1', "2" or "P" or "F" => '2', _ => null };
        if (gender is null)
        {
            problems.Add(FieldError.Of("gender", nameof(Texts.Field_Nom_Gender)));
        }

        var nip = Nip.Validate(form.Nip, today);
        if (nip.IsValid && Nip.CheckIdentity(nip, birthDate, gender) is { } mismatch)
        {
            var (id, en) = Nip.Message(mismatch);
            problems.Add(new("nip", id, en));
        }

        var letter = await store.LetterAsync(cycle.CycleId, form.LetterId, ct);
        if (letter is null || letter.QuotaId != quota.RowKey)
        {
            problems.Add(FieldError.Of("letterId", nameof(Texts.Field_Nom_Letter)));
        }

        if (problems.Count > 0 || valid is null)
        {
            return new NominationAttempt(null, problems);
        }

        // Already registered or invited in this cycle (the participants' NIP index): refused with the reason.
        if (await participants.FindIndexAsync(cycle.CycleId, ParticipantStore.NipIndexKey(cycle.CycleId, valid.Nip), ct) is not null)
        {
            return new NominationAttempt(null, [FieldError.Of("nip", nameof(Texts.Field_Nom_NipRegistered))]);
        }

        var nominee = new NomineeEntity
        {
            PartitionKey = cycle.CycleId,
            RowKey = Ids.New("n-"),
            QuotaId = quota.RowKey,
            Agency = quota.Agency,
            FullName = valid.FullName,
            Nip = valid.Nip,
            Email = valid.Email,
            Phone = valid.Phone,
            Position = valid.Position,
            Rank = valid.Rank,
            BirthDate = birthDate!.Value.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            BirthPlace = valid.BirthPlace,
            Language = valid.Language,
            SuperiorName = valid.SuperiorName,
            SuperiorEmail = valid.SuperiorEmail,
            LetterId = letter!.RowKey,
            Status = NomineeStatus.Nominated,
            NominatedAt = time.GetUtcNow(),
            NominatedBy = actor.Name,
        };
        var result = await store.NominateAsync(cycle.CycleId, quota.RowKey, nominee, NominationRules.Deadline(cycle), replaces, ct);
        switch (result.Outcome)
        {
            case NominateOutcome.Nominated:
                await audit.WriteAsync(cycle.CycleId, actor, replaces is null ? "nomination.added" : "nomination.replaced", null, quota.Agency + " " + nominee.RowKey + (replaces is null ? "" : " ← " + replaces), ct);
                if (cycle.Definition.Nomination?.NomineeMustAccept == true)
                {
                    await NominationMail.ScheduleAsync(durable, new NominationMailRequest(cycle.CycleId, NominationMailKinds.Ask, nominee.RowKey, "ask"), logger);
                }

                return new NominationAttempt(nominee, []);
            case NominateOutcome.QuotaFull:
                return new NominationAttempt(null, [FieldError.Of("", nameof(Texts.Field_Nom_QuotaFull), quota.Seats)]);
            case NominateOutcome.NipNominated:
                return new NominationAttempt(null, [FieldError.Of("nip", nameof(Texts.Field_Nom_NipNominated), result.OtherAgency ?? "")]);
            case NominateOutcome.Closed:
                return new NominationAttempt(null, [FieldError.Of("", nameof(Texts.Field_Nom_Closed))]);
            default:
                return new NominationAttempt(null, [FieldError.Of("", nameof(Texts.Field_Nom_NomineeGone))]);
        }
    }

    public async Task<NomineeEntity?> WithdrawAsync(CycleRecord cycle, NomineeEntity nominee, AuditActor actor, CancellationToken ct = default)
    {
        if (time.GetUtcNow() >= NominationRules.Deadline(cycle))
        {
            return null;
        }

        var withdrawn = await store.SettleAsync(cycle.CycleId, nominee.RowKey, NomineeStatus.Withdrawn, null, null, actor.Name, ct);
        if (withdrawn is not null)
        {
            await audit.WriteAsync(cycle.CycleId, actor, "nomination.withdrawn", null, nominee.Agency + " " + nominee.RowKey, ct);
        }

        return withdrawn;
    }

    /// <summary>
    /// The organizer's decision. Approve: the nominee is registered (a seat or, when the cycle is full, the waitlist) and
    /// gets the usual confirmation; a NIP or email the cycle already holds is refused with the reason. Reject: needs a
    /// reason; the seat goes back to the agency, and the nominee and the coordinator are told why.
    /// </summary>
    public async Task<(DecisionOutcome Outcome, NomineeEntity? Nominee, ParticipantEntity? Participant)> DecideAsync(DurableTaskClient durable, CycleRecord cycle, NomineeEntity nominee, bool approve, string? reason, AuditActor actor, CancellationToken ct = default)
    {
        if (nominee.Status != NomineeStatus.Nominated)
        {
            return (DecisionOutcome.NotNominated, nominee, null);
        }

        if (!approve)
        {
            var text = PlainText.Line(reason, 500);
            if (text.Length == 0)
            {
                return (DecisionOutcome.ReasonRequired, nominee, null);
            }

            var rejected = await store.SettleAsync(cycle.CycleId, nominee.RowKey, NomineeStatus.Rejected, text, null, actor.Name, ct);
            if (rejected is null)
            {
                return (DecisionOutcome.NotNominated, nominee, null);
            }

            await audit.WriteAsync(cycle.CycleId, actor, "nomination.rejected", null, nominee.Agency + " " + nominee.RowKey + ": " + text, ct);
            await NominationMail.ScheduleAsync(durable, new NominationMailRequest(cycle.CycleId, NominationMailKinds.Rejected, nominee.RowKey, "decision"), logger);
            await NominationMail.ScheduleAsync(durable, new NominationMailRequest(cycle.CycleId, NominationMailKinds.RejectedCoordinator, nominee.RowKey, "decision"), logger);
            return (DecisionOutcome.Rejected, rejected, null);
        }

        if (cycle.Definition.Nomination?.NomineeMustAccept == true && nominee.AcceptedAt is null)
        {
            return (DecisionOutcome.AwaitingAcceptance, nominee, null);
        }

        var quota = await store.QuotaAsync(cycle.CycleId, nominee.QuotaId, ct);
        var form = new ValidatedRegistration(nominee.FullName, nominee.Nip, nominee.Email, nominee.Phone, nominee.Agency, quota?.AgencyLevel ?? "", quota?.Regency, nominee.Position, nominee.Rank, nominee.Language, nominee.BirthPlace, nominee.BirthDate,
            SuperiorName: nominee.SuperiorName, SuperiorEmail: nominee.SuperiorEmail);
        // The nominee fills one of the seats their agency's quota held (see NominationSeatHolds): the whole capacity counts.
        var registered = await registrations.RegisterAsync(cycle, form, null, ct, actor: actor, heldSeat: true);
        ParticipantEntity? participant = registered.Participant;
        switch (registered.Outcome)
        {
            case RegistrationOutcome.Confirmed or RegistrationOutcome.Waitlisted:
                break;
            case RegistrationOutcome.NipTaken or RegistrationOutcome.EmailTaken:
                // A retry after an approval whose settle step failed: the registration is this nominee's own.
                participant = await participants.FindByEmailAsync(cycle.CycleId, nominee.Email, ct);
                if (participant is null || participant.Nip != nominee.Nip)
                {
                    return (registered.Outcome == RegistrationOutcome.NipTaken ? DecisionOutcome.NipTaken : DecisionOutcome.EmailTaken, nominee, null);
                }

                break;
            default:
                return (DecisionOutcome.NotNominated, nominee, null);
        }

        var approved = await store.SettleAsync(cycle.CycleId, nominee.RowKey, NomineeStatus.Approved, null, participant!.RowKey, actor.Name, ct);
        await audit.WriteAsync(cycle.CycleId, actor, "nomination.approved", participant.RowKey, nominee.Agency + " " + nominee.RowKey, ct);
        outbox.Wake(durable, cycle.CycleId); // #24: the confirmation is in the outbox, written with the registration
        return (DecisionOutcome.Approved, approved ?? nominee, participant);
    }
}
