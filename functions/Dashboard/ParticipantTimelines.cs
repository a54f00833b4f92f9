using Azure.Data.Tables;
using TrainingCycles.Attendance;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Dashboard;

/// <summary>
/// A participant's story for the timeline view: the audit log, the email log, SendGrid's events and the attendance
/// rows, merged by time (ties keep the order they were read in). Looks at the data ("view.…") are left out: they
/// are for the administrators' trail, not the person's history.
/// </summary>
public sealed class ParticipantTimelines(AuditLog audit, AppTables tables)
{
    /// <summary>The entries in time order, and the person's current mark per session (for the rule's "why").</summary>
    public async Task<(IReadOnlyList<TimelineEntry> Entries, IReadOnlyDictionary<string, string> Marks)> ReadAsync(CycleRecord cycle, string participantId, CancellationToken cancellationToken)
    {
        var cycleId = cycle.CycleId;
        var sessions = cycle.Schedule.Sessions.ToDictionary(s => s.Id, s => s.Title, StringComparer.Ordinal);
        var entries = new List<TimelineEntry>();
        foreach (var a in await audit.ReadAsync(cycleId, participantId, cancellationToken: cancellationToken))
        {
            if (a.Action.StartsWith("view.", StringComparison.Ordinal))
            {
                continue;
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

        var ordered = entries.Select((e, i) => (e, i)).OrderBy(x => x.e.At).ThenBy(x => x.i).Select(x => x.e).ToList();
        return (ordered, marks);
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
}
