using System.Globalization;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TrainingCycles.Attendance;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Dashboard;

/// <summary>
/// One moment in a participant's story, from whichever log recorded it. <c>Details</c> is what the log holds (codes,
/// for machines); <c>Text</c> and <c>TextEn</c> say it for people, each wholly in its language.
/// </summary>
public sealed record TimelineEntry(DateTimeOffset At, string Kind, string Source, string? Actor = null, string? Details = null, string? MailKind = null, string? SessionId = null, string? SessionTitle = null)
{
    public string? Text { get; init; }

    public string? TextEn { get; init; }
}

/// <summary>
/// Read-only organizer views the dashboard needs beyond the cycle API: a participant's timeline (audit log, email log,
/// SendGrid events, attendance rows merged by time), a cycle's progress figures for the charts, and its certificates.
/// </summary>
public sealed class InsightFunctions(CycleStore cycles, ParticipantStore participants, AttendanceStore attendance, AuditLog audit, EmailLog emailLog, ParticipantTimelines timelines, AppTables tables, CertificateIssuer issuer, CompletionEvaluation completion)
{
    /// <summary>Days shown in the registrations chart at most (the most recent ones).</summary>
    public const int MaxChartDays = 366;

    [Function(nameof(ParticipantTimeline))]

    [Requires(Permission.ViewPersonalData, AccessScope.Cycle)]
    public async Task<IActionResult> ParticipantTimeline(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/participants/{participantId}/timeline")] HttpRequest request,
        string cycleId,
        string participantId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var cycle = await cycles.GetAsync(cycleId, cancellationToken);
        if (cycle is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var p = Ids.LooksValid(participantId, "p") ? await participants.GetAsync(cycleId, participantId, cancellationToken) : null;
        if (p is null)
        {
            return Http.NotFound(Missing.Participant);
        }

        await audit.ViewedAsync(cycleId, AuditActors.Of(request), "timeline", participantId, cancellationToken: cancellationToken);
        var (entries, _) = await timelines.ReadAsync(cycle, participantId, cancellationToken);
        // #20: the workflow's own run (marks, post-test score, override), recorded nowhere.
        var preview = (await completion.PreviewAsync(cycle, [participantId], cancellationToken))[participantId];
        var evaluation = preview.Result;
        return Http.Ok(new
        {
            cycleId,
            timeZone = cycle.Schedule.TimeZone,
            participant = new
            {
                participantId = p.RowKey,
                fullName = p.FullName,
                email = p.Email,
                // The rest of the details, so the page can offer the correction dialog from here too.
                nip = p.Nip,
                phone = p.Phone,
                agency = p.Agency,
                agencyLevel = p.AgencyLevel,
                regency = p.Regency,
                position = p.Position,
                rank = p.Rank,
                language = p.Language,
                status = p.Status,
                registrationNumber = p.RegistrationNumber,
                emailStatus = p.EmailStatus,
                eligible = p.Eligible,
                eligibilityExplanation = p.EligibilityExplanation,
                certificateId = p.CertificateId,
                certificateNumber = p.CertificateNumber,
            },
            // The rule applied to the marks as they stand now: "why" in both languages, decided or not yet.
            completion = new
            {
                decided = p.Eligible is not null, meetsRule = evaluation.Eligible, evaluation.Counted, evaluation.Total, evaluation.Percent, evaluation.Explanation, evaluation.ExplanationEn,
                evaluation.Outcome, preview.PostTestScore, overridden = preview.Override is not null, overrideReason = preview.Override?.Reason,
            },
            entries,
        });
    }

    [Function(nameof(CycleStats))]

    [Requires(Permission.ViewReports, AccessScope.Cycle)]
    public async Task<IActionResult> CycleStats(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/stats")] HttpRequest request,
        string cycleId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var cycle = await cycles.GetAsync(cycleId, cancellationToken);
        if (cycle is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var zone = cycle.Schedule.TimeZone;
        var people = await participants.ListAsync(cycleId, cancellationToken);
        var (total, days) = CycleProgress.RegistrationsPerDay(people, zone, MaxChartDays);
        var sessions = CycleProgress.SessionCounts(cycle.Schedule.Sessions, people, await attendance.ForCycleAsync(cycleId, cancellationToken));
        var mails = await emailLog.ForCycleAsync(cycleId, cancellationToken);
        return Http.Ok(new
        {
            cycleId,
            timeZone = zone,
            registrations = new { total, days },
            attendance = new { sessions },
            emails = new
            {
                sent = mails.Count(m => m.Status == EmailStatus.Sent),
                rejected = mails.Count(m => m.Status == EmailStatus.Rejected),
                bounced = people.Count(p => p.EmailStatus is "Bounced" or "Dropped" or "SpamReport"),
            },
        });
    }

    /// <summary>Most certificates one page of the list carries.</summary>
    public const int MaxCertificatePageSize = 500;

    /// <summary>
    /// The certificate versions of a cycle in number order (a number's newest version first), with the holder's NIP and
    /// what the organizer may still do. Optional <c>search</c> (name, NIP or certificate number; case, spaces and dots
    /// ignored in a NIP) and paging (<c>page</c>, <c>pageSize</c>); without <c>pageSize</c> every match is returned,
    /// as before paging existed.
    /// </summary>
    [Function(nameof(ListCertificates))]
    [Requires(Permission.ViewPersonalData, AccessScope.Cycle)]
    public async Task<IActionResult> ListCertificates(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/certificates")] HttpRequest request,
        string cycleId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var cycle = await cycles.GetAsync(cycleId, cancellationToken);
        if (cycle is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        await audit.ViewedAsync(cycleId, AuditActors.Of(request), "certificates", cancellationToken: cancellationToken);

        var paged = request.Query.ContainsKey("pageSize") || request.Query.ContainsKey("page");
        var pageSize = 0;
        var page = 1;
        if (paged && (!TryPositive(request.Query["pageSize"], MaxCertificatePageSize, defaultValue: 50, out pageSize) || !TryPositive(request.Query["page"], int.MaxValue, defaultValue: 1, out page)))
        {
            return Http.Error(StatusCodes.Status400BadRequest, "invalid_paging", nameof(Texts.Error_Dash_InvalidPaging), [MaxCertificatePageSize]);
        }

        var items = await CertificatesAsync(cycleId, cancellationToken);
        // The NIP is the participant's (certificate rows copy only the name): one narrow query for the cycle.
        var nips = items.Count > 0 ? await participants.NipsAsync(cycleId, cancellationToken) : new Dictionary<string, string>(StringComparer.Ordinal);

        var search = request.Query["search"].ToString().Trim();
        var matching = items
            .Where(c => search.Length == 0 || Matches(c, nips.GetValueOrDefault(c.ParticipantId), search))
            .OrderBy(c => c.Number, StringComparer.Ordinal).ThenByDescending(c => c.Version)
            .ToList();
        var shown = paged ? matching.Skip((int)Math.Min(int.MaxValue, (long)(page - 1) * pageSize)).Take(pageSize) : matching;
        return Http.Ok(new
        {
            cycleId,
            total = matching.Count,
            page,
            pageSize = paged ? pageSize : matching.Count,
            items = shown.Select(c => new
            {
                certificateId = c.RowKey,
                participantId = c.ParticipantId,
                number = c.Number,
                version = c.Version,
                status = c.Status,
                holderName = c.HolderName,
                holderNip = nips.GetValueOrDefault(c.ParticipantId),
                issuedAt = c.IssuedAt,
                revokedAt = c.RevokedAt,
                revokedReason = c.RevokedReason,
                supersededBy = c.SupersededBy,
                supersedes = c.Supersedes,
                verificationUrl = issuer.VerificationUri(c.VerificationCode).ToString(),
            }).ToList(),
        });
    }

    private async Task<List<CertificateEntity>> CertificatesAsync(string cycleId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Certificates, cancellationToken);
        var items = new List<CertificateEntity>();
        await foreach (var c in table.QueryAsync<CertificateEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {cycleId}"), cancellationToken: cancellationToken))
        {
            items.Add(c);
        }

        return items;
    }

    private static bool Matches(CertificateEntity c, string? nip, string search)
    {
        if (c.HolderName.Contains(search, StringComparison.CurrentCultureIgnoreCase) || c.Number.Contains(search, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var digits = new string([.. search.Where(char.IsAsciiDigit)]);
        return nip is not null && digits.Length >= 3 && digits.Length == search.Count(ch => !char.IsWhiteSpace(ch) && ch != '.' && ch != '-') && nip.Contains(digits, StringComparison.Ordinal);
    }

    private static bool TryPositive(Microsoft.Extensions.Primitives.StringValues value, int max, int defaultValue, out int result)
    {
        if (value.Count == 0 || string.IsNullOrWhiteSpace(value))
        {
            result = defaultValue;
            return true;
        }

        return int.TryParse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out result) && result >= 1 && result <= max;
    }
}
