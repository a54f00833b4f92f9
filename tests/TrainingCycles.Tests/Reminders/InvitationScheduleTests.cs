using Microsoft.Extensions.Options;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Tests.Reminders;

/// <summary>The invitation names each session's date and times in the cycle's time zone, not only the dates (issue #16).</summary>
public sealed class InvitationScheduleTests
{
    private static readonly TimeSpan Wib = TimeSpan.FromHours(7);

    [Theory]
    [InlineData("id", "Rabu, 2 Desember 2026, 08.00–12.00 WIB — Hari 1", "Kamis, 3 Desember 2026, 13.00–16.30 WIB — Hari 2", "Jadwal (2–3 Desember 2026):")]
    [InlineData("en", "Wednesday, 2 December 2026, 08:00–12:00 WIB — Hari 1", "Thursday, 3 December 2026, 13:00–16:30 WIB — Hari 2", "Schedule (2–3 December 2026):")]
    public void TheInvitationListsEverySessionWithItsDateAndTimes(string language, string first, string second, string heading)
    {
        var schedule = new CycleSchedule("Asia/Jakarta", new DateTimeOffset(2026, 11, 1, 8, 0, 0, Wib), new DateTimeOffset(2026, 11, 30, 17, 0, 0, Wib),
            [
                new ScheduledSession("s1", "Hari 1", new DateTimeOffset(2026, 12, 2, 8, 0, 0, Wib), new DateTimeOffset(2026, 12, 2, 12, 0, 0, Wib)),
                new ScheduledSession("s2", "Hari 2", new DateTimeOffset(2026, 12, 3, 13, 0, 0, Wib), new DateTimeOffset(2026, 12, 3, 16, 30, 0, Wib)),
            ], [], []);
        var definition = new CycleDefinition { Title = "Pelatihan Dasar", OrganizerName = "BPSDM Provinsi Kalimantan Tengah", Venue = "Aula BPSDM" };
        var cycle = new CycleRecord("c000000000001", definition, schedule, new CycleEntity { RowKey = "c000000000001", Title = "Pelatihan Dasar" });
        var composer = new MailComposer(null!, Options.Create(new TrainingCyclesOptions()), TimeProvider.System);

        var mail = composer.Render(cycle, MailKinds.Invitation, language);

        Assert.Contains(heading + "\n- " + first + "\n- " + second + "\n", mail.Text.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("<li>" + System.Net.WebUtility.HtmlEncode(first) + "</li>", mail.Html, StringComparison.Ordinal);
        Assert.Contains("<li>" + System.Net.WebUtility.HtmlEncode(second) + "</li>", mail.Html, StringComparison.Ordinal);
    }
}
