using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TrainingCycles.Attendance;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Certificates.Letters;

/// <summary>#20 item 7: the printable daftar hadir of one session (<c>?session=s1</c>) or the whole cycle's recap (no session).</summary>
public sealed class AttendanceSheetFunctions(CycleStore cycles, ParticipantStore participants, AttendanceStore attendance, AuditLog audit)
{
    [Function(nameof(AttendanceSheets))]
    [Requires(Permission.ViewPersonalData, AccessScope.Cycle)]
    public async Task<IActionResult> AttendanceSheets(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/attendance-sheets")] HttpRequest request,
        string cycleId)
    {
        var ct = request.HttpContext.RequestAborted;
        var cycle = await cycles.GetAsync(cycleId, ct);
        if (cycle is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var sessionId = request.Query["session"].ToString();
        var session = sessionId.Length == 0 ? null : cycle.Schedule.Sessions.FirstOrDefault(s => s.Id == sessionId);
        if (sessionId.Length > 0 && session is null)
        {
            return Http.NotFound(Missing.Session);
        }

        await audit.ViewedAsync(cycleId, AuditActors.Of(request), "attendance-sheet", details: sessionId.Length == 0 ? "recap" : sessionId, cancellationToken: ct);
        var rows = await attendance.ForCycleAsync(cycleId, ct);
        var marks = rows.ToDictionary(r => AttendanceStore.Key(r.SessionId, r.ParticipantId), StringComparer.Ordinal);
        var people = (await participants.ListAsync(cycleId, ct))
            .Where(p => p.Status == ParticipantStatus.Confirmed || rows.Any(r => r.ParticipantId == p.RowKey))
            .OrderBy(p => p.FullName ?? p.Email, StringComparer.CurrentCultureIgnoreCase).ThenBy(p => p.RowKey, StringComparer.Ordinal)
            .ToList();
        var zone = cycle.Schedule.TimeZone;
        var organizer = cycle.Definition.OrganizerName ?? "";
        byte[] pdf;
        string name;
        if (session is not null)
        {
            var lines = people.Select(p =>
            {
                var m = marks.GetValueOrDefault(AttendanceStore.Key(session.Id, p.RowKey));
                return new SheetLine(p.FullName ?? p.Email, p.Nip, p.Agency, m?.CheckedInAt is { } at ? Formatting.Time(at, zone, "id") : null,
                    m is null ? "-" : AttendanceStatus.Label(m.Status, "id"));
            }).ToList();
            var when = Formatting.Date(session.StartsAt, zone, "id") + ", " + Formatting.Time(session.StartsAt, zone, "id") + "–" + Formatting.Time(session.EndsAt, zone, "id");
            pdf = AttendanceSheetRenderer.RenderSession(new SessionSheet(organizer, cycle.Entity.Title, session.Title, when, session.Instructor, session.Jp, lines));
            name = $"daftar-hadir-{cycleId}-{session.Id}.pdf";
        }
        else
        {
            var lines = people.Select(p => new RecapLine(p.FullName ?? p.Email, p.Nip, p.Agency,
                [.. cycle.Schedule.Sessions.Select(s => Letter(marks.GetValueOrDefault(AttendanceStore.Key(s.Id, p.RowKey))?.Status))],
                p.EarnedJp is { } jp ? $"{jp}/{cycle.Schedule.TotalJp}" : "-",
                p.CompletionOutcome is { } o ? CompletionRuleEvaluator.OutcomeLabel(o, "id") : "-")).ToList();
            var headers = cycle.Schedule.Sessions.Select(s => s.Jp > 0 ? $"{s.Id} ({s.Jp} JP)" : s.Id).ToList();
            pdf = AttendanceSheetRenderer.RenderRecap(new CycleRecap(organizer, cycle.Entity.Title, Formatting.DateRange(cycle.Schedule, "id"), headers, lines));
            name = $"rekap-daftar-hadir-{cycleId}.pdf";
        }

        return new FileContentResult(pdf, "application/pdf") { FileDownloadName = name };
    }

    private static string Letter(string? status) => status switch
    {
        AttendanceStatus.Present => "H",
        AttendanceStatus.Late => "T",
        AttendanceStatus.Excused => "I",
        AttendanceStatus.Absent => "A",
        _ => "-",
    };
}
