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
public sealed class InsightFunctions(CycleStore cycles, ParticipantStore participants, AttendanceStore attendance, AuditLog audit, EmailLog emailLog, AppTables tables, CertificateIssuer issuer)
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
        var sessions = cycle.Schedule.Sessions.ToDictionary(s => s.Id, s => s.Title, StringComparer.Ordinal);
        var entries = new List<TimelineEntry>();
        foreach (var a in await audit.ReadAsync(cycleId, participantId, cancellationToken: cancellationToken))
        {
            if (a.Action.StartsWith("view.", StringComparison.Ordinal))
            {
                continue; // looks at the data are for the administrators' trail, not the person's history
            }

            var sessionId = a.Action is "attendance.marked" or "attendance.door-checkin" or "attendance.pending-confirmed" or "attendance.pending-rejected" ? a.Details?.Split(':', 2)[0] : null;
            var (text, textEn) = AuditText(a.Action, a.Details);
            entries.Add(new(a.At, a.Action, "audit", a.Actor, a.Details, SessionId: sessionId, SessionTitle: sessionId is null ? null : sessions.GetValueOrDefault(sessionId)) { Text = text, TextEn = textEn });
        }

        var byParticipant = TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and ParticipantId eq {participantId}");
        var mailLog = await tables.GetAsync(AppTables.EmailLog, cancellationToken);
        await foreach (var m in mailLog.QueryAsync<EmailLogEntity>(byParticipant, cancellationToken: cancellationToken))
        {
            entries.Add(new(m.At, "email." + m.Status.ToLowerInvariant(), "emailLog", Details: m.Error ?? m.Occurrence, MailKind: m.Kind));
        }

        var mailEvents = await tables.GetAsync(AppTables.EmailEvents, cancellationToken);
        await foreach (var e in mailEvents.QueryAsync<EmailEventEntity>(byParticipant, cancellationToken: cancellationToken))
        {
            entries.Add(new(e.At, "email." + e.Event, "emailEvent", Details: e.Reason, MailKind: e.Kind.Length == 0 ? null : e.Kind));
        }

        var marks = new Dictionary<string, string>(StringComparer.Ordinal);
        var attendanceTable = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        await foreach (var row in attendanceTable.QueryAsync<AttendanceEntity>(byParticipant, cancellationToken: cancellationToken))
        {
            marks[row.SessionId] = row.Status;
            var title = sessions.GetValueOrDefault(row.SessionId);
            // A scan at the door is in the audit log (with who scanned); only a check-in with the code is the participant's own.
            if (row.CheckedInAt is { } checkedIn && row.Source != AttendanceSource.Door)
            {
                var self = row.Source == AttendanceSource.Self ? row.Status : null;
                entries.Add(new(checkedIn, "attendance.checked-in", "attendance", AttendanceSource.Self, self, SessionId: row.SessionId, SessionTitle: title)
                    { Text = self is null ? null : StatusText(self, "id"), TextEn = self is null ? null : StatusText(self, "en") });
            }

            if (row.Source == AttendanceSource.Auto)
            {
                entries.Add(new(row.MarkedAt, "attendance.auto-absent", "attendance", AuditLog.System, row.Status, SessionId: row.SessionId, SessionTitle: title)
                    { Text = StatusText(row.Status, "id"), TextEn = StatusText(row.Status, "en") });
            }

            // Organizer marks are in the audit log, with what they changed.
        }

        var rule = cycle.Definition.Completion ?? new CompletionRule();
        var evaluation = CompletionRuleEvaluator.Evaluate(rule, cycle.Schedule.Sessions, marks);
        var ordered = entries.Select((e, i) => (e, i)).OrderBy(x => x.e.At).ThenBy(x => x.i).Select(x => x.e).ToList();
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
            completion = new { decided = p.Eligible is not null, meetsRule = evaluation.Eligible, evaluation.Counted, evaluation.Total, evaluation.Percent, evaluation.Explanation, evaluation.ExplanationEn },
            entries = ordered,
        });
    }

    /// <summary>"Hadir", "Tidak hadir" / "Present", "Absent" for an attendance status code.</summary>
    private static string StatusText(string status, string lang)
    {
        var label = AttendanceStatus.Label(status, lang);
        return label.Length == 0 ? label : char.ToUpperInvariant(label[0]) + label[1..];
    }

    /// <summary>The audit details of an action in each language (completion verdicts are stored in both; older ones in English only).</summary>
    internal static (string? Text, string? TextEn) AuditText(string action, string? details)
    {
        if (details is null)
        {
            return (null, null);
        }

        switch (action)
        {
            case "completion.eligible" or "completion.not-eligible":
            {
                var lines = details.Split('\n', 2);
                return lines.Length == 2 ? (lines[0], lines[1]) : (details, details);
            }

            case "attendance.marked":
            {
                // "s1: Absent → Present" or "s1: Present (catatan/note)": the session is shown on its own.
                var change = details.Split(':', 2) is [_, var rest] ? rest.Trim() : details;
                if (change.EndsWith("(catatan/note)", StringComparison.Ordinal))
                {
                    var status = change[..^"(catatan/note)".Length].Trim();
                    return ($"{StatusText(status, "id")} (catatan diubah)", $"{StatusText(status, "en")} (note changed)");
                }

                var parts = change.Split(" → ", 2);
                return parts.Length == 2
                    ? ($"{(parts[0] == "—" ? "belum dicatat" : StatusText(parts[0], "id"))} → {StatusText(parts[1], "id")}", $"{(parts[0] == "—" ? "not marked" : StatusText(parts[0], "en"))} → {StatusText(parts[1], "en")}")
                    : (change, change);
            }

            default:
                return (details, details);
        }
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
        var perDay = people.Where(p => p.RegisteredAt is not null)
            .GroupBy(p => DateOnly.FromDateTime(CycleSchedule.ToLocal(p.RegisteredAt!.Value, zone).DateTime))
            .ToDictionary(g => g.Key, g => g.Count());
        var days = new List<object>();
        if (perDay.Count > 0)
        {
            var first = perDay.Keys.Min();
            var last = perDay.Keys.Max();
            var start = last.DayNumber - first.DayNumber >= MaxChartDays ? last.AddDays(1 - MaxChartDays) : first;
            var cumulative = perDay.Where(d => d.Key < start).Sum(d => d.Value);
            for (var day = start; day <= last; day = day.AddDays(1))
            {
                var count = perDay.GetValueOrDefault(day);
                cumulative += count;
                days.Add(new { date = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), count, cumulative });
            }
        }

        var confirmed = people.Where(p => p.Status == ParticipantStatus.Confirmed).Select(p => p.RowKey).ToHashSet(StringComparer.Ordinal);
        var rows = await attendance.ForCycleAsync(cycleId, cancellationToken);
        var sessions = cycle.Schedule.Sessions.Select(s =>
        {
            var marked = rows.Where(r => r.SessionId == s.Id).ToList();
            var markedIds = marked.Select(r => r.ParticipantId).ToHashSet(StringComparer.Ordinal);
            int Count(string status) => marked.Count(r => r.Status == status);
            return new
            {
                id = s.Id,
                title = s.Title,
                startsAt = s.StartsAt,
                endsAt = s.EndsAt,
                confirmed = confirmed.Count,
                present = Count(AttendanceStatus.Present),
                late = Count(AttendanceStatus.Late),
                excused = Count(AttendanceStatus.Excused),
                absent = Count(AttendanceStatus.Absent),
                unmarked = confirmed.Count(id => !markedIds.Contains(id)),
            };
        }).ToList();

        var mails = await emailLog.ForCycleAsync(cycleId, cancellationToken);
        return Http.Ok(new
        {
            cycleId,
            timeZone = zone,
            registrations = new { total = perDay.Values.Sum(), days },
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

        var table = await tables.GetAsync(AppTables.Certificates, cancellationToken);
        var items = new List<CertificateEntity>();
        await foreach (var c in table.QueryAsync<CertificateEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {cycleId}"), cancellationToken: cancellationToken))
        {
            items.Add(c);
        }

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
