using System.Net;
using TrainingCycles.Attendance;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Attendance;

public sealed class CheckInTests
{
    [Fact]
    public async Task WindowsAndLatenessFollowTheClock()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var ids = await w.AddParticipantsAsync(3);
        var s1 = w.Session("s1");

        w.Clock.Now = s1.StartsAt.AddMinutes(-31);
        var early = await w.CheckInAsync(w.Token(ids[0]), w.CodeNow("s1"));
        Assert.Equal(HttpStatusCode.Conflict, early.Response.StatusCode);
        Assert.Contains("Presensi sesi berikutnya (Hari 1) dibuka", early.Page.Body!.TextContent, StringComparison.Ordinal);
        Assert.Contains("07.30 WIB", early.Page.Body.TextContent, StringComparison.Ordinal);
        Assert.Null(await w.MarkAsync("s1", ids[0]));

        w.Clock.Now = s1.StartsAt.AddMinutes(-30);
        var onTime = await w.CheckInAsync(w.Token(ids[0]), w.CodeNow("s1"));
        Assert.Equal(HttpStatusCode.OK, onTime.Response.StatusCode);
        Assert.Equal(AttendanceStatus.Present, (await w.MarkAsync("s1", ids[0]))!.Status);

        w.Clock.Now = s1.StartsAt.AddMinutes(15);
        Assert.Equal(HttpStatusCode.OK, (await w.CheckInAsync(w.Token(ids[1]), w.CodeNow("s1"))).Response.StatusCode);
        Assert.Equal(AttendanceStatus.Present, (await w.MarkAsync("s1", ids[1]))!.Status);

        w.Clock.Now = s1.StartsAt.AddMinutes(15).AddSeconds(1);
        var late = await w.CheckInAsync(w.Token(ids[2]), w.CodeNow("s1"));
        Assert.Equal(HttpStatusCode.OK, late.Response.StatusCode);
        Assert.Contains("terlambat", late.Page.QuerySelector("[role=status]")!.TextContent, StringComparison.Ordinal);
        var lateRow = (await w.MarkAsync("s1", ids[2]))!;
        Assert.Equal(AttendanceStatus.Late, lateRow.Status);
        Assert.Equal(AttendanceSource.Self, lateRow.Source);
        Assert.Equal(w.Clock.Now, lateRow.CheckedInAt);

        w.Clock.Now = s1.StartsAt.AddMinutes(60);
        var closed = await w.CheckInAsync(w.Token(ids[2]), w.CodeNow("s1"));
        Assert.Equal(HttpStatusCode.Conflict, closed.Response.StatusCode);
        Assert.Contains("sudah ditutup pukul 09.00", closed.Page.Body!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARepeatedCheckInIsHarmlessAndSaysSinceWhen()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];
        w.Clock.Now = w.Session("s2").StartsAt.AddMinutes(-5);
        var first = await w.CheckInAsync(w.Token(id), w.CodeNow("s2"));
        Assert.Equal(HttpStatusCode.OK, first.Response.StatusCode);

        w.Clock.Advance(TimeSpan.FromMinutes(25));
        var again = await w.CheckInAsync(w.Token(id), w.CodeNow("s2"));
        var page = await Forms.GetAsync(w.World.Http, w.CheckInUrl(w.Token(id)));

        Assert.Equal(HttpStatusCode.OK, again.Response.StatusCode);
        Assert.Contains("Sudah presensi", again.Page.Body!.TextContent, StringComparison.Ordinal);
        Assert.Contains("hadir pada sesi Hari 2, pukul 07.55 WIB", again.Page.Body.TextContent, StringComparison.Ordinal);
        Assert.Contains("Sudah presensi", page.Page.Body!.TextContent, StringComparison.Ordinal);
        Assert.Null(page.Page.QuerySelector("form"));
        var row = (await w.MarkAsync("s2", id))!;
        Assert.Equal(AttendanceStatus.Present, row.Status);
        Assert.Equal(w.Session("s2").StartsAt.AddMinutes(-5), row.CheckedInAt);
    }

    [Fact]
    public async Task ACheckInNeverOverwritesAnOrganizersMark()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];
        w.Clock.Now = w.Session("s1").StartsAt;
        var put = await w.PutMarksAsync("s1", new { marks = new[] { new { participantId = id, status = "Excused", note = "Sakit" } }, markedBy = "Panitia Meja 1" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var check = await w.CheckInAsync(w.Token(id), w.CodeNow("s1"));

        Assert.Equal(HttpStatusCode.OK, check.Response.StatusCode);
        Assert.Contains("izin", check.Page.Body!.TextContent, StringComparison.Ordinal);
        Assert.Contains("Panitia sudah mencatat Anda izin", check.Page.Body.TextContent, StringComparison.Ordinal);
        Assert.Equal(AttendanceStatus.Excused, (await w.MarkAsync("s1", id))!.Status);
    }

    [Fact]
    public async Task CodesOfThePreviousStepWorkButOlderOnesAndOtherSessionsDoNot()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var ids = await w.AddParticipantsAsync(4);
        var start = w.Session("s1").StartsAt;
        w.Clock.Now = start.AddSeconds(30);

        var other = await AttendanceWorld.StartAsync();
        await using (other)
        {
            var otherCycleCode = SessionCodes.Current(other.Cycle.Entity.CheckInSecret, "s1", w.Clock.Now).Code;
            var wrongCycle = await w.CheckInAsync(w.Token(ids[0]), otherCycleCode);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, wrongCycle.Response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await w.CheckInAsync(w.Token(ids[0]), w.CodeNow("s2"))).Response.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await w.CheckInAsync(w.Token(ids[0]), w.CodeNow("s1", w.Clock.Now.AddMinutes(-2)))).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await w.CheckInAsync(w.Token(ids[1]), w.CodeNow("s1", w.Clock.Now.AddMinutes(-1)))).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await w.CheckInAsync(w.Token(ids[2]), "  " + w.CodeNow("s1")[..3] + " " + w.CodeNow("s1")[3..])).Response.StatusCode);
        Assert.Null(await w.MarkAsync("s1", ids[0]));
    }

    [Fact]
    public async Task AWrongCodeIsShownNextToTheFieldAndTheFormStays()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-10);
        var wrong = ((int.Parse(w.CodeNow("s1"), System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

        var (response, page) = await w.CheckInAsync(w.Token(id), wrong);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var field = page.QuerySelector(".field.invalid")!;
        Assert.Contains("Kode salah", field.QuerySelector("#code-error")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("sisa 9 percobaan", field.QuerySelector("#code-error")!.TextContent, StringComparison.Ordinal);
        var input = field.QuerySelector("input#code")!;
        Assert.Equal("code-hint code-error", input.GetAttribute("aria-describedby"));
        Assert.Equal("true", input.GetAttribute("aria-invalid"));
        Assert.Equal("numeric", input.GetAttribute("inputmode"));
        Assert.Equal("one-time-code", input.GetAttribute("autocomplete"));
        Assert.NotNull(page.QuerySelector("label[for=code]"));
        Assert.StartsWith("Kesalahan:", page.Title, StringComparison.Ordinal);

        var malformed = await w.CheckInAsync(w.Token(id), "12ab");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, malformed.Response.StatusCode);
        Assert.Contains("6 angka", malformed.Page.QuerySelector("#code-error")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenWrongCodesLockTheParticipantOutForTenMinutesEvenWithTheRightCode()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var ids = await w.AddParticipantsAsync(2);
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-20);
        var right = w.CodeNow("s1");
        var wrong = right == "000000" ? "000001" : "000000";

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            statuses.Add((await w.CheckInAsync(w.Token(ids[0]), wrong)).Response.StatusCode);
        }

        var locked = await w.CheckInAsync(w.Token(ids[0]), right);
        var someoneElse = await w.CheckInAsync(w.Token(ids[1]), right);

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.UnprocessableEntity, 9), HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.Response.StatusCode);
        Assert.Contains("Terlalu banyak kode salah", locked.Page.QuerySelector("#code-error")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("07.50", locked.Page.QuerySelector("#code-error")!.TextContent, StringComparison.Ordinal);
        Assert.Null(await w.MarkAsync("s1", ids[0]));
        Assert.Equal(HttpStatusCode.OK, someoneElse.Response.StatusCode);

        w.Clock.Advance(CheckInThrottle.Window);
        Assert.Equal(HttpStatusCode.OK, (await w.CheckInAsync(w.Token(ids[0]), w.CodeNow("s1"))).Response.StatusCode);
    }

    [Fact]
    public async Task BadLinksGetAClear403()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];
        w.Clock.Now = w.Session("s1").StartsAt;
        var code = w.CodeNow("s1");
        var valid = w.Token(id);
        var tampered = valid[..^3] + (valid[^3] == 'A' ? "B" : "A") + valid[^2..];
        var otherCycle = w.Token(id, cycleId: "c" + new string('a', 12));

        var cases = new Dictionary<string, (string Url, string Expect)>
        {
            ["missing"] = ($"api/cycles/{w.CycleId}/checkin", "Tautan presensi diperlukan"),
            ["expired"] = (w.CheckInUrl(w.Token(id, lifetime: TimeSpan.FromSeconds(-1))), "Tautan kedaluwarsa"),
            ["tampered"] = (w.CheckInUrl(tampered), "Tautan tidak valid"),
            ["garbage"] = (w.CheckInUrl("not-a-token"), "Tautan tidak valid"),
            ["wrong purpose"] = (w.CheckInUrl(w.Token(id, purpose: TokenPurpose.Manage)), "Tautan tidak valid"),
            ["other cycle"] = (w.CheckInUrl(otherCycle), "Tautan tidak valid"),
            ["unknown participant"] = (w.CheckInUrl(w.Token(Ids.New("p"))), "Tautan tidak valid"),
        };
        foreach (var (name, (url, expect)) in cases)
        {
            var (response, page) = await Forms.PostAsync(w.World.Http, url, new Dictionary<string, string> { ["code"] = code });
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{name}: {(int)response.StatusCode}");
            Assert.Equal(expect, page.QuerySelector("h1")!.TextContent);
            if (name != "missing")
            {
                Assert.Equal(HttpStatusCode.Forbidden, (await w.World.Http.GetAsync(url)).StatusCode);
            }
        }

        Assert.Null(await w.MarkAsync("s1", id));
        Assert.Equal(HttpStatusCode.OK, (await w.CheckInAsync(valid, code)).Response.StatusCode);
    }

    [Theory]
    [InlineData(ParticipantStatus.Withdrawn, "mengundurkan diri")]
    [InlineData(ParticipantStatus.Waitlisted, "daftar tunggu")]
    [InlineData(ParticipantStatus.Invited, "belum terdaftar")]
    public async Task OnlyConfirmedParticipantsCanCheckIn(string status, string explanation)
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1, status))[0];
        w.Clock.Now = w.Session("s1").StartsAt;

        var (response, page) = await w.CheckInAsync(w.Token(id), w.CodeNow("s1"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(explanation, page.Body!.TextContent, StringComparison.Ordinal);
        Assert.Null(await w.MarkAsync("s1", id));
    }

    [Fact]
    public async Task ACancelledTrainingSaysSo()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];
        var cancel = await CycleApi.CommandAsync(w.World.Organizer, w.CycleId, "cancel", new { reason = "Banjir di Palangka Raya" });
        Assert.True(cancel.IsSuccessStatusCode, await cancel.Content.ReadAsStringAsync());
        w.Clock.Now = w.Session("s1").StartsAt;

        var (response, page) = await w.CheckInAsync(w.Token(id), w.CodeNow("s1"));
        var get = await Forms.GetAsync(w.World.Http, w.CheckInUrl(w.Token(id)));

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Equal("Pelatihan dibatalkan", page.QuerySelector("h1")!.TextContent);
        Assert.Contains("Banjir di Palangka Raya", page.Body!.TextContent, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Gone, get.Response.StatusCode);
        Assert.Null(await w.MarkAsync("s1", id));
    }

    [Fact]
    public async Task ThePageShowsWhoWhatAndWhenInBothLanguages()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];
        w.Clock.Now = w.Session("s3").StartsAt.AddMinutes(-1);

        var (response, page) = await Forms.GetAsync(w.World.Http, w.CheckInUrl(w.Token(id)));
        var english = await Forms.GetAsync(w.World.Http, w.CheckInUrl(w.Token(id), "en"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        var facts = page.QuerySelector("dl.facts")!.TextContent;
        Assert.Contains("Peserta 1", facts, StringComparison.Ordinal);
        Assert.Contains(w.Cycle.Entity.Title, facts, StringComparison.Ordinal);
        Assert.Contains("08.00–12.00 WIB — Hari 3", facts, StringComparison.Ordinal);
        Assert.Equal("Kode sesi", page.QuerySelector("label[for=code]")!.TextContent);
        Assert.Equal("en", english.Page.DocumentElement.GetAttribute("lang"));
        Assert.Equal("Session code", english.Page.QuerySelector("label[for=code]")!.TextContent);
        Assert.Contains("08:00–12:00 WIB — Hari 3", english.Page.QuerySelector("dl.facts")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("en", english.Page.QuerySelector("input[name=lang]")!.GetAttribute("value"));

        var englishPost = await w.CheckInAsync(w.Token(id), w.CodeNow("s3"), lang: "en");
        Assert.Contains("You are recorded as present for Hari 3", englishPost.Page.Body!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheVenueQrLandingPageWithoutATokenExplainsThePersonalLink()
    {
        await using var w = await AttendanceWorld.StartAsync();

        var (response, page) = await Forms.GetAsync(w.World.Http, $"api/cycles/{w.CycleId}/checkin");
        var unknown = await w.World.Http.GetAsync($"api/cycles/c{new string('z', 12)}/checkin");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("tautan presensi pribadi", page.Body!.TextContent, StringComparison.Ordinal);
        Assert.Null(page.QuerySelector("form"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task AfterTheLastSessionCheckInIsClosedForGood()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];
        w.Clock.Now = w.Session("s3").EndsAt.AddMinutes(1);

        var (response, page) = await Forms.GetAsync(w.World.Http, w.CheckInUrl(w.Token(id)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Presensi semua sesi pelatihan ini sudah ditutup", page.Body!.TextContent, StringComparison.Ordinal);
        Assert.Null(page.QuerySelector("form"));
    }
}
