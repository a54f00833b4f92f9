using System.Globalization;
using Azure;
using Azure.Data.Tables;
using TrainingCycles.Attendance;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Reminders;

namespace TrainingCycles.Privacy;

/// <summary>Helpers the holders share: rows of one cycle partition that name the participant.</summary>
internal static class HolderRows
{
    public static async Task<List<TableEntity>> OfParticipantAsync(TableClient table, string partition, string participantId, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition} and ParticipantId eq {participantId}"), cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return rows;
    }

    public static IReadOnlyDictionary<string, string?> Fields(TableEntity row, params string[] names) =>
        names.ToDictionary(n => n, n => row.TryGetValue(n, out var v) ? Text(v) : null, StringComparer.Ordinal);

    public static string? Text(object? value) => value switch
    {
        null => null,
        DateTimeOffset at => at.ToString("O", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    /// <summary>Deletes the rows (each under its ETag; a row already gone counts as done). Returns how many went.</summary>
    public static async Task<int> DeleteAsync(TableClient table, IEnumerable<ITableEntity> rows, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var row in rows)
        {
            try
            {
                await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
                deleted++;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
            }
        }

        return deleted;
    }
}

/// <summary>The participant row (and its email/NIP index rows): anonymised, not deleted, so the cycle's counts stay true.</summary>
public sealed class ParticipantRecordHolder(ParticipantStore participants, CycleStore cycles, RegistrationService registrations, TimeProvider time) : IPersonalDataHolder
{
    public const string HolderName = "participant";

    public string Name => HolderName;

    public IReadOnlyList<string> Places => ["table:" + AppTables.Participants];

    public async Task<PersonalDataSection> ExportAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var p = await participants.GetAsync(subject.CycleId, subject.ParticipantId, cancellationToken);
        var records = new List<IReadOnlyDictionary<string, string?>>();
        if (p is not null && !ParticipantStore.IsAnonymised(p))
        {
            records.Add(new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["participantId"] = p.RowKey,
                ["fullName"] = p.FullName,
                ["nip"] = p.Nip,
                ["email"] = p.Email,
                ["phone"] = p.Phone,
                ["agency"] = p.Agency,
                ["agencyLevel"] = p.AgencyLevel,
                ["regency"] = p.Regency,
                ["position"] = p.Position,
                ["rank"] = p.Rank,
                ["superiorName"] = p.SuperiorName, // #21
                ["superiorEmail"] = p.SuperiorEmail,
                ["language"] = p.Language,
                ["status"] = p.Status,
                ["invitedAt"] = HolderRows.Text(p.InvitedAt),
                ["registeredAt"] = HolderRows.Text(p.RegisteredAt),
                ["registrationNumber"] = p.RegistrationNumber,
                ["consentAt"] = HolderRows.Text(p.ConsentAt),
                ["consentVersion"] = p.ConsentVersion,
                ["withdrawnAt"] = HolderRows.Text(p.WithdrawnAt),
                ["emailStatus"] = p.EmailStatus,
                ["eligible"] = p.Eligible?.ToString(CultureInfo.InvariantCulture),
                ["eligibilityExplanation"] = p.EligibilityExplanation,
                ["certificateNumber"] = p.CertificateNumber,
            });
        }

        return new PersonalDataSection(Name, Places, records);
    }

    public async Task<ErasureCount> EraseAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        // While the cycle runs, the seat is given back first (the waitlist moves up as on any withdrawal).
        if (await cycles.GetAsync(subject.CycleId, cancellationToken) is { } cycle
            && cycle.Phase is CyclePhase.Inviting or CyclePhase.RegistrationOpen or CyclePhase.AwaitingTraining or CyclePhase.InTraining)
        {
            await registrations.WithdrawAsync(cycle, subject.ParticipantId, promote: true, cancellationToken, AuditActor.System, "erasure");
        }

        var erased = await participants.AnonymiseAsync(subject.CycleId, subject.ParticipantId, time.GetUtcNow(), cancellationToken);
        return new ErasureCount(Name, erased,
            [new KeptRecord(Name, nameof(Texts.Privacy_Kept_Participant_What), nameof(Texts.Privacy_Kept_Participant_Why))]);
    }
}

/// <summary>Attendance marks and check-in throttle rows of the participant: deleted.</summary>
public sealed class AttendanceHolder(AppTables tables) : IPersonalDataHolder
{
    public string Name => "attendance";

    public IReadOnlyList<string> Places => ["table:" + AppTables.Attendance];

    public async Task<PersonalDataSection> ExportAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        var rows = await HolderRows.OfParticipantAsync(table, subject.CycleId, subject.ParticipantId, cancellationToken);
        return new PersonalDataSection(Name, Places, [.. rows.Select(r => HolderRows.Fields(r,
            nameof(AttendanceEntity.SessionId), nameof(AttendanceEntity.Status), nameof(AttendanceEntity.CheckedInAt), nameof(AttendanceEntity.Source),
            nameof(AttendanceEntity.MarkedBy), nameof(AttendanceEntity.MarkedAt), nameof(AttendanceEntity.Note)))]);
    }

    public async Task<ErasureCount> EraseAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        var rows = await HolderRows.OfParticipantAsync(table, subject.CycleId, subject.ParticipantId, cancellationToken);
        var erased = await HolderRows.DeleteAsync(table, rows, cancellationToken);
        var limit = await table.GetEntityIfExistsAsync<TableEntity>(CheckInThrottle.Partition(subject.CycleId), subject.ParticipantId, cancellationToken: cancellationToken);
        if (limit.HasValue)
        {
            erased += await HolderRows.DeleteAsync(table, [limit.Value!], cancellationToken);
        }

        return new ErasureCount(Name, erased, []);
    }
}

/// <summary>The email log (which mail went when) and SendGrid's delivery events (a bounce quotes the address): deleted.</summary>
public sealed class MailRecordHolder(AppTables tables) : IPersonalDataHolder
{
    public string Name => "mail";

    public IReadOnlyList<string> Places => ["table:" + AppTables.EmailLog, "table:" + AppTables.EmailEvents];

    public async Task<PersonalDataSection> ExportAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var log = await HolderRows.OfParticipantAsync(await tables.GetAsync(AppTables.EmailLog, cancellationToken), subject.CycleId, subject.ParticipantId, cancellationToken);
        var events = await HolderRows.OfParticipantAsync(await tables.GetAsync(AppTables.EmailEvents, cancellationToken), subject.CycleId, subject.ParticipantId, cancellationToken);
        return new PersonalDataSection(Name, Places, [
            .. log.Select(r => HolderRows.Fields(r, nameof(EmailLogEntity.Kind), nameof(EmailLogEntity.Occurrence), nameof(EmailLogEntity.Status), nameof(EmailLogEntity.At), nameof(EmailLogEntity.Error))),
            .. events.Select(r => HolderRows.Fields(r, nameof(EmailEventEntity.Kind), nameof(EmailEventEntity.Event), nameof(EmailEventEntity.At), nameof(EmailEventEntity.Reason))),
        ]);
    }

    public async Task<ErasureCount> EraseAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var erased = 0;
        foreach (var name in new[] { AppTables.EmailLog, AppTables.EmailEvents })
        {
            var table = await tables.GetAsync(name, cancellationToken);
            erased += await HolderRows.DeleteAsync(table, await HolderRows.OfParticipantAsync(table, subject.CycleId, subject.ParticipantId, cancellationToken), cancellationToken);
        }

        return new ErasureCount(Name, erased, []);
    }
}

/// <summary>
/// Certificates: the PDFs (they carry the NIP, birth data, agency) are deleted with their snapshots; the register
/// row keeps the minimal verifiable record — number, holder name, training, dates, issue date, status and the
/// SHA-256 of the PDF — so the public verification page still answers for a certificate already handed out.
/// </summary>
public sealed class CertificateHolder(AppTables tables, CertificateIssuer issuer) : IPersonalDataHolder
{
    public string Name => "certificates";

    public IReadOnlyList<string> Places => ["table:" + AppTables.Certificates, "blob:certificates"];

    public async Task<PersonalDataSection> ExportAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var rows = await HolderRows.OfParticipantAsync(await tables.GetAsync(AppTables.Certificates, cancellationToken), subject.CycleId, subject.ParticipantId, cancellationToken);
        return new PersonalDataSection(Name, Places, [.. rows.Select(r => HolderRows.Fields(r,
            nameof(CertificateEntity.Number), nameof(CertificateEntity.HolderName), nameof(CertificateEntity.TrainingTitle), nameof(CertificateEntity.TrainingDates),
            nameof(CertificateEntity.IssuedAt), nameof(CertificateEntity.Status), nameof(CertificateEntity.Version), nameof(CertificateEntity.Sha256), nameof(CertificateEntity.BlobName)))]);
    }

    public async Task<ErasureCount> EraseAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Certificates, cancellationToken);
        var erased = 0;
        var kept = new List<KeptRecord>();
        foreach (var row in await HolderRows.OfParticipantAsync(table, subject.CycleId, subject.ParticipantId, cancellationToken))
        {
            if (row.GetString(nameof(CertificateEntity.BlobName)) is { Length: > 0 } blobName
                && await BlobErasure.DeleteWithVersionsAsync(issuer.Container.GetBlobClient(blobName), cancellationToken))
            {
                erased++;
            }

            if (row.GetString(nameof(CertificateEntity.RevokedReason)) is { Length: > 0 })
            {
                // The organizer's reason may name the person; the verification page never shows it.
                await table.UpdateEntityAsync(new TableEntity(row.PartitionKey, row.RowKey) { [nameof(CertificateEntity.RevokedReason)] = "" }, ETag.All, TableUpdateMode.Merge, cancellationToken);
                erased++;
            }

            kept.Add(new KeptRecord(Name, nameof(Texts.Privacy_Kept_Certificate_What), nameof(Texts.Privacy_Kept_Certificate_Why)));
        }

        return new ErasureCount(Name, erased, kept);
    }
}

/// <summary>
/// The audit trail: entries about the person keep what happened, when and by whom (accountability), but lose the
/// before/after values, free-text details and the address the person's own requests came from. The one place the
/// app changes an audit row.
/// </summary>
public sealed class AuditTrailHolder(AppTables tables) : IPersonalDataHolder
{
    private const string PrivacyActions = "privacy.";

    public string Name => "audit";

    public IReadOnlyList<string> Places => ["table:" + AppTables.AuditLog];

    public async Task<PersonalDataSection> ExportAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var rows = await HolderRows.OfParticipantAsync(await tables.GetAsync(AppTables.AuditLog, cancellationToken), subject.CycleId, subject.ParticipantId, cancellationToken);
        return new PersonalDataSection(Name, Places, [.. rows.Select(r => HolderRows.Fields(r,
            nameof(AuditEntity.At), nameof(AuditEntity.Actor), nameof(AuditEntity.Action), nameof(AuditEntity.Details), nameof(AuditEntity.Before), nameof(AuditEntity.After)))]);
    }

    public async Task<ErasureCount> EraseAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.AuditLog, cancellationToken);
        var erased = 0;
        foreach (var row in await HolderRows.OfParticipantAsync(table, subject.CycleId, subject.ParticipantId, cancellationToken))
        {
            if (row.GetString(nameof(AuditEntity.Action))?.StartsWith(PrivacyActions, StringComparison.Ordinal) == true)
            {
                continue; // the erasure's own entries: ids, a reason code and counts
            }

            var personal = row.GetString(nameof(AuditEntity.ActorId)) == AuditLog.Participant;
            var hasValues = new[] { nameof(AuditEntity.Before), nameof(AuditEntity.After), nameof(AuditEntity.Details) }.Any(n => row.GetString(n) is { Length: > 0 })
                || (personal && row.GetString(nameof(AuditEntity.From)) is { Length: > 0 });
            if (!hasValues)
            {
                continue;
            }

            var patch = new TableEntity(row.PartitionKey, row.RowKey)
            {
                [nameof(AuditEntity.Before)] = "",
                [nameof(AuditEntity.After)] = "",
                [nameof(AuditEntity.Details)] = "",
            };
            if (personal)
            {
                patch[nameof(AuditEntity.From)] = "";
            }

            await table.UpdateEntityAsync(patch, ETag.All, TableUpdateMode.Merge, cancellationToken);
            erased++;
        }

        return new ErasureCount(Name, erased,
            [new KeptRecord(Name, nameof(Texts.Privacy_Kept_Audit_What), nameof(Texts.Privacy_Kept_Audit_Why))]);
    }
}

/// <summary>Email sign-in rate-limit rows of the person's address (the address only as a hash): deleted.</summary>
public sealed class SignInHolder(AppTables tables) : IPersonalDataHolder
{
    public string Name => "sign-in";

    public IReadOnlyList<string> Places => ["table:" + AppTables.SignIn];

    private static string Partition(string email) => "addr-" + Ids.IndexHash("signin", email.Trim().ToLowerInvariant());

    public async Task<PersonalDataSection> ExportAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var rows = await RowsAsync(subject, cancellationToken);
        return new PersonalDataSection(Name, Places, [.. rows.Select(r => HolderRows.Fields(r, nameof(TableEntity.RowKey), "At"))]);
    }

    public async Task<ErasureCount> EraseAsync(PersonalDataSubject subject, CancellationToken cancellationToken) =>
        new(Name, await HolderRows.DeleteAsync(await tables.GetAsync(AppTables.SignIn, cancellationToken), await RowsAsync(subject, cancellationToken), cancellationToken), []);

    private async Task<List<TableEntity>> RowsAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        if (subject.Email is not { Length: > 0 } email)
        {
            return rows;
        }

        var table = await tables.GetAsync(AppTables.SignIn, cancellationToken);
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition(email)}"), cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return rows;
    }
}
