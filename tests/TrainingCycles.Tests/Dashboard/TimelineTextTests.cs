using System.Text.Json;
using TrainingCycles.Attendance;
using TrainingCycles.Cycles;
using TrainingCycles.Dashboard;
using TrainingCycles.Tests.Attendance;

namespace TrainingCycles.Tests.Dashboard;

/// <summary>The participant timeline says each event wholly in Bahasa Indonesia or wholly in English (issue #16).</summary>
public sealed class TimelineTextTests
{
    [Fact]
    public async Task AutoAbsentAndTheCompletionVerdictReadInIndonesianAndInEnglish()
    {
        await using var w = await AttendanceWorld.StartAsync(sessions: 2);
        var id = (await w.AddParticipantsAsync(1))[0];
        await w.World.Host.Services.GetRequiredService<AttendanceStore>().TryAddAsync(new AttendanceEntity
        {
            PartitionKey = w.CycleId, RowKey = AttendanceStore.Key("s1", id), SessionId = "s1", ParticipantId = id,
            Status = AttendanceStatus.Late, CheckedInAt = w.Session("s1").StartsAt.AddMinutes(20), Source = AttendanceSource.Self, MarkedAt = w.Session("s1").StartsAt.AddMinutes(20),
        });
        var activities = ActivatorUtilities.CreateInstance<TrainingCycles.Attendance.AttendanceActivities>(w.World.Host.Services);
        w.Clock.Now = w.Session("s2").EndsAt.AddMinutes(1);
        await activities.FinalizeAttendance(w.CycleId);
        await activities.EvaluateCompletion(w.CycleId);

        var timeline = await w.JsonAsync($"api/cycles/{w.CycleId}/participants/{id}/timeline");

        var entries = timeline.GetProperty("entries").EnumerateArray().ToList();
        JsonElement Entry(string kind) => entries.Single(e => e.GetProperty("kind").GetString() == kind);
        Assert.Equal(("Terlambat", "Late"), Texts(Entry("attendance.checked-in")));
        Assert.Equal(("Tidak hadir", "Absent"), Texts(Entry("attendance.auto-absent")));
        // The rule is 67 %: one late session of two counts, 50 %.
        Assert.Equal(("hadir 1 dari 2 sesi (1 terlambat), 50% < 67%", "attended 1 of 2 sessions (1 late), 50% < 67%"), Texts(Entry("completion.not-eligible")));
        var completion = timeline.GetProperty("completion");
        Assert.Equal("hadir 1 dari 2 sesi (1 terlambat), 50% < 67%", completion.GetProperty("explanation").GetString());
    }

    [Fact]
    public void OrganizerMarksReadInEachLanguageAndOldEnglishOnlyVerdictsStayReadable()
    {
        Assert.Equal(("Tidak hadir → Hadir", "Absent → Present"), ParticipantTimelines.AuditText("attendance.marked", "s1: Absent → Present"));
        Assert.Equal(("belum dicatat → Izin", "not marked → Excused"), ParticipantTimelines.AuditText("attendance.marked", "s2: — → Excused"));
        Assert.Equal(("Terlambat (catatan diubah)", "Late (note changed)"), ParticipantTimelines.AuditText("attendance.marked", "s2: Late (catatan/note)"));
        Assert.Equal(("hadir 0 dari 1 sesi, 0% < 100%", "attended 0 of 1 sessions, 0% < 100%"), ParticipantTimelines.AuditText("completion.not-eligible", "hadir 0 dari 1 sesi, 0% < 100%\nattended 0 of 1 sessions, 0% < 100%"));
        Assert.Equal(("attended 1 of 2 sessions (present, late), 50% < 100%", "attended 1 of 2 sessions (present, late), 50% < 100%"), ParticipantTimelines.AuditText("completion.not-eligible", "attended 1 of 2 sessions (present, late), 50% < 100%"));
    }

    private static (string?, string?) Texts(JsonElement e) => (e.GetProperty("text").GetString(), e.GetProperty("textEn").GetString());
}
