using Azure;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Certificates;

public enum RevokeOutcome
{
    Revoked,
    AlreadyRevoked,
    NotFound,

    /// <summary>The certificate was already replaced by a newer version: revoke that one instead.</summary>
    Superseded,
    Busy,
}

public sealed record RevokeResult(RevokeOutcome Outcome, CertificateEntity? Certificate);

public enum ReissueOutcome
{
    Reissued,

    /// <summary>A repeated request: this certificate was already replaced; nothing new was issued.</summary>
    AlreadyReissued,
    NotFound,
    Revoked,

    /// <summary>The request asks for a different name than the version that already replaced this one.</summary>
    NameConflict,

    /// <summary>Another request is changing this certificate right now.</summary>
    Busy,
}

public enum MailOutcome
{
    NotSent,

    /// <summary>Handed to the one-person mail orchestration (SendGrid retries, one message per email-log key).</summary>
    Scheduled,
    AlreadySent,
}

/// <param name="Current">The version now in force (the new one after a reissue).</param>
/// <param name="Previous">The version the request named.</param>
public sealed record ReissueResult(ReissueOutcome Outcome, CertificateEntity? Current, CertificateEntity? Previous, MailOutcome Mail = MailOutcome.NotSent);

/// <summary>
/// Organizer corrections. Revoke marks a certificate revoked (final). Reissue makes a new version for the same
/// participant: new certificate id and verification code, the SAME certificate number, Version + 1, a new PDF; the
/// old version is marked superseded and the participant is emailed the new download link (through
/// <see cref="ParticipantMail"/>, keyed <c>certificate-issued / reissue-v{version}</c> in the email log).
/// <para>
/// Reissue is resumable. Its first write records the new id and code (and a corrected name) on the participant row
/// under the row's ETag; everything after that (PDF, certificate row, superseding the old row, scheduling the email)
/// converges when the same request is repeated after a crash, and a repeat after success issues nothing and sends
/// nothing.
/// </para>
/// </summary>
public sealed class CertificateCorrections(
    CertificateIssuer issuer, CycleStore cycles, ParticipantStore participants, AuditLog audit, EmailLog emailLog, TimeProvider time, ILogger<CertificateCorrections> logger, ICertificateLedger ledger)
{
    public const int MaxReasonLength = 500;
    public const int MaxNameLength = 200;
    private const int Attempts = 5;

    public static string MailOccurrence(int version) => $"reissue-v{version}";

    public async Task<RevokeResult> RevokeAsync(string certificateId, string reason, AuditActor actor, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var certificate = await issuer.FindAsync(certificateId, cancellationToken);
            switch (certificate?.Status)
            {
                case null:
                    return new RevokeResult(RevokeOutcome.NotFound, null);
                case CertificateStatus.Revoked:
                    return new RevokeResult(RevokeOutcome.AlreadyRevoked, certificate);
                case CertificateStatus.Superseded:
                    return new RevokeResult(RevokeOutcome.Superseded, certificate);
            }

            certificate.Status = CertificateStatus.Revoked;
            certificate.RevokedReason = reason;
            certificate.RevokedAt = time.GetUtcNow();
            try
            {
                await issuer.ReplaceAsync(certificate, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                continue; // changed under us (a reissue, another revoke): look again
            }

            await ledger.CertificatesChangedAsync(certificate.PartitionKey, [certificate.ParticipantId], cancellationToken);
            await audit.WriteAsync(certificate.PartitionKey, actor, "certificate.revoked", certificate.ParticipantId, reason, cancellationToken: cancellationToken);
            return new RevokeResult(RevokeOutcome.Revoked, certificate);
        }

        return new RevokeResult(RevokeOutcome.Busy, null);
    }

    public async Task<ReissueResult> ReissueAsync(string certificateId, string? fullName, string? reason, AuditActor actor, DurableTaskClient durable, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var old = await issuer.FindAsync(certificateId, cancellationToken);
            var cycle = old is null ? null : await cycles.GetAsync(old.PartitionKey, cancellationToken);
            var p = cycle is null ? null : await participants.GetAsync(cycle.CycleId, old!.ParticipantId, cancellationToken);
            if (old is null || cycle is null || p is null)
            {
                return new ReissueResult(ReissueOutcome.NotFound, null, old);
            }

            if (old.Status == CertificateStatus.Revoked)
            {
                return new ReissueResult(ReissueOutcome.Revoked, null, old);
            }

            if (old.Status == CertificateStatus.Superseded)
            {
                var successor = await issuer.GetAsync(cycle.CycleId, old.SupersededBy ?? "", cancellationToken);
                if (successor is null)
                {
                    return new ReissueResult(ReissueOutcome.Busy, null, old);
                }

                if (fullName is not null && !string.Equals(fullName, successor.HolderName, StringComparison.Ordinal))
                {
                    return new ReissueResult(ReissueOutcome.NameConflict, successor, old);
                }

                // A repeat: make sure the holder got the link (the first attempt may have died before mailing).
                return new ReissueResult(ReissueOutcome.AlreadyReissued, successor, old, await NotifyAsync(durable, cycle, p, successor, cancellationToken));
            }

            if (p.CertificateId == old.RowKey)
            {
                // Start: record the new id and code (and the corrected name) before anything else exists.
                try
                {
                    await participants.StartReissueAsync(p, CertificateIssuer.NewCertificateId(), CertificateIssuer.NewVerificationCode(), fullName, time.GetUtcNow(), cancellationToken);
                }
                catch (RequestFailedException e) when (ParticipantStore.IsConflict(e))
                {
                    continue;
                }
            }
            else if (p.CertificateId is null || (fullName is not null && !string.Equals(fullName, p.FullName, StringComparison.Ordinal)))
            {
                // A reissue of this certificate was started with other data and has not finished.
                return new ReissueResult(ReissueOutcome.Busy, null, old);
            }

            // Resume or continue: the participant row names the new version.
            var next = await issuer.GetAsync(cycle.CycleId, p.CertificateId, cancellationToken);
            if (next is not null && next.Supersedes != old.RowKey)
            {
                return new ReissueResult(ReissueOutcome.Busy, null, old);
            }

            next ??= await issuer.IssueOneAsync(cycle, p, old.Version + 1, old.RowKey, cancellationToken);
            old.Status = CertificateStatus.Superseded;
            old.SupersededBy = next.RowKey;
            old.SupersededAt = time.GetUtcNow();
            try
            {
                await issuer.ReplaceAsync(old, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                continue;
            }

            await ledger.CertificatesChangedAsync(cycle.CycleId, [p.RowKey], cancellationToken);
            var details = $"{old.RowKey} v{old.Version} -> {next.RowKey} v{next.Version}" + (fullName is null ? "" : "; name corrected") + (string.IsNullOrWhiteSpace(reason) ? "" : "; " + reason);
            await audit.WriteAsync(cycle.CycleId, actor, "certificate.reissued", p.RowKey, details, cancellationToken: cancellationToken);
            return new ReissueResult(ReissueOutcome.Reissued, next, old, await NotifyAsync(durable, cycle, p, next, cancellationToken));
        }

        return new ReissueResult(ReissueOutcome.Busy, null, null);
    }

    /// <summary>Emails the holder the link to <paramref name="current"/>, once (email log key: kind, reissue-v{version}, participant).</summary>
    private async Task<MailOutcome> NotifyAsync(DurableTaskClient durable, CycleRecord cycle, ParticipantEntity p, CertificateEntity current, CancellationToken cancellationToken)
    {
        if (current.Status != CertificateStatus.Valid || p.CertificateId != current.RowKey)
        {
            return MailOutcome.NotSent; // replaced or revoked since: a link to it would help no one
        }

        var occurrence = MailOccurrence(current.Version);
        if ((await emailLog.HandledAsync(cycle.CycleId, MailKinds.CertificateIssued, occurrence, cancellationToken)).Contains(p.RowKey))
        {
            return MailOutcome.AlreadySent;
        }

        await ParticipantMail.ScheduleAsync(durable, new ParticipantMailRequest(cycle.CycleId, p.RowKey, MailKinds.CertificateIssued, occurrence), logger);
        return MailOutcome.Scheduled;
    }
}
