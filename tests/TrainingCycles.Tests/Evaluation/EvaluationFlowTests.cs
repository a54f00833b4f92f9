using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TrainingCycles.Cycles;
using TrainingCycles.Evaluation;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Attendance;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Evaluation;

/// <summary>
/// On the dev host with a controllable clock: an organizer builds the tests, participants take them through their
/// personal link, storage decides a double submit, a closed window and bad answers change nothing, ratings once each.
/// </summary>
public sealed class EvaluationFlowTests
{
    private static object PostTest(DateTimeOffset opens, DateTimeOffset closes, int? limit = null) => new
    {
        opensAt = CycleApi.Iso(opens),
        closesAt = CycleApi.Iso(closes),
        timeLimitMinutes = limit,
        questions = new object[]
        {
            new { id = "q1", type = "choice", text = "Ibu kota Kalimantan Tengah?", options = new[] { "Sampit", "Palangka Raya", "Kuala Kapuas" }, answer = 1, points = 2 },
            new { id = "q2", type = "truefalse", text = "PKH adalah program perlindungan sosial.", correct = true, points = 1 },
            new { id = "q3", type = "choice", text = "Berapa JP minimal setahun?", options = new[] { "10", "20" }, answer = 1, points = 1 },
        },
    };

    private static async Task<HttpResponseMessage> PutJsonAsync(HttpClient client, string url, object body) =>
        await client.PutAsync(url, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));

    private static string TakeUrl(AttendanceWorld w, string kind, string token) => $"api/cycles/{w.CycleId}/tests/{kind}/take?t={Uri.EscapeDataString(token)}";

    [Fact]
    public async Task ATestIsTakenOnceThroughThePersonalLinkAndTheResultsShowTheGain()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var store = w.World.Host.Services.GetRequiredService<EvaluationStore>();
        var ids = await w.AddParticipantsAsync(3);
        var link = ids.Select(id => w.Token(id, TokenPurpose.Manage, TimeSpan.FromDays(30))).ToList();
        var first = w.Session("s1");
        var last = w.Session("s3");

        // Pre-test from CSV (window in the query), post-test as JSON with a 30-minute limit.
        var csv = "id,type,text,points,answer,option1,option2,option3\nq1,choice,Ibu kota Kalimantan Tengah?,2,2,Sampit,Palangka Raya,Kuala Kapuas\nq2,truefalse,PKH adalah program perlindungan sosial.,1,benar,,,\nq3,choice,Berapa JP minimal setahun?,1,2,10,20,\n";
        var preUrl = $"api/cycles/{w.CycleId}/tests/pre?opensAt={Uri.EscapeDataString(CycleApi.Iso(first.StartsAt.AddDays(-1)))}";
        var pre = await w.World.Organizer.PutAsync(preUrl, new StringContent(csv, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, pre.StatusCode);
        var badPre = await PutJsonAsync(w.World.Organizer, $"api/cycles/{w.CycleId}/tests/pre", new { closesAt = CycleApi.Iso(first.StartsAt.AddHours(1)), questions = new[] { new { text = "x", correct = true, type = "truefalse" } } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badPre.StatusCode);
        Assert.Equal(3, (await store.GetTestAsync(w.CycleId, TestKinds.Pre))!.Questions.Count);
        Assert.Equal(HttpStatusCode.OK, (await PutJsonAsync(w.World.Organizer, $"api/cycles/{w.CycleId}/tests/post", PostTest(last.StartsAt, last.StartsAt.AddDays(2), 30))).StatusCode);

        // Pre-test: two people take it the day before (one answers one question right, one answers all).
        w.Clock.Now = first.StartsAt.AddHours(-20);
        foreach (var (token, answers) in new[] { (link[0], new Dictionary<string, string> { ["q1"] = "1" }), (link[1], new() { ["q1"] = "1", ["q2"] = "0", ["q3"] = "1" }) })
        {
            var fields = answers.ToDictionary(a => "q-" + a.Key, a => a.Value);
            fields["action"] = "submit";
            var taken = await Forms.PostAsync(w.World.Http, TakeUrl(w, "pre", token), fields);
            Assert.Equal(HttpStatusCode.OK, taken.Response.StatusCode);
        }

        // Closed window: after the post-test closes nothing is accepted or written.
        w.Clock.Now = last.StartsAt.AddDays(2).AddMinutes(1);
        var late = await Forms.PostAsync(w.World.Http, TakeUrl(w, "post", link[2]), new Dictionary<string, string> { ["q-q1"] = "1", ["action"] = "submit" });
        Assert.Equal(HttpStatusCode.Conflict, late.Response.StatusCode);
        Assert.Contains("sudah ditutup", late.Page.Body!.TextContent, StringComparison.Ordinal);
        Assert.Null(await store.GetAttemptAsync(w.CycleId, TestKinds.Post, ids[2]));

        // In the window: open (starts the attempt), save as you go, refuse an unknown question and a forged link.
        w.Clock.Now = last.StartsAt.AddHours(5);
        var opened = await Forms.GetAsync(w.World.Http, TakeUrl(w, "post", link[0]));
        Assert.Equal(HttpStatusCode.OK, opened.Response.StatusCode);
        Assert.Equal(7, opened.Page.QuerySelectorAll("input[type=radio]").Length);
        // #23: the test form shows the cycle's privacy notice, and the attempt stores the version it showed.
        var noticeVersion = opened.Page.QuerySelector("form .privacy-notice")?.GetAttribute("data-consent-version");
        Assert.StartsWith("v-", noticeVersion, StringComparison.Ordinal);
        Assert.Equal(noticeVersion, (await store.GetAttemptAsync(w.CycleId, TestKinds.Post, ids[0]))!.NoticeVersion);
        var saved = await Forms.PostAsync(w.World.Http, TakeUrl(w, "post", link[0]), new Dictionary<string, string> { ["q-q1"] = "1", ["action"] = "save" });
        Assert.Equal(HttpStatusCode.OK, saved.Response.StatusCode);
        Assert.Contains("1 dari 3", saved.Page.QuerySelector("#test-notice")!.TextContent, StringComparison.Ordinal);
        var unknown = await Forms.PostAsync(w.World.Http, TakeUrl(w, "post", link[0]), new Dictionary<string, string> { ["q-q2"] = "0", ["q-q99"] = "0", ["action"] = "save" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.Response.StatusCode);
        var outOfRange = await Forms.PostAsync(w.World.Http, TakeUrl(w, "post", link[0]), new Dictionary<string, string> { ["q-q2"] = "7", ["action"] = "save" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, outOfRange.Response.StatusCode);
        Assert.Equal(new Dictionary<string, int> { ["q1"] = 1 }, EvaluationStore.Answers((await store.GetAttemptAsync(w.CycleId, TestKinds.Post, ids[0]))!));
        var forged = await Forms.PostAsync(w.World.Http, TakeUrl(w, "post", link[0][..^3] + "abc"), new Dictionary<string, string> { ["q-q2"] = "0", ["action"] = "submit" });
        Assert.Equal(HttpStatusCode.Forbidden, forged.Response.StatusCode);
        var otherCycle = await Forms.PostAsync(w.World.Http, TakeUrl(w, "post", w.Token(ids[0], TokenPurpose.Manage, cycleId: "c-other")), new Dictionary<string, string> { ["action"] = "submit" });
        Assert.Equal(HttpStatusCode.Forbidden, otherCycle.Response.StatusCode);

        // One submission each: eight concurrent submits with different answers, storage lets exactly one through.
        var choices = Enumerable.Range(0, 8).Select(i => new Dictionary<string, string> { ["q-q2"] = (i % 2).ToString(System.Globalization.CultureInfo.InvariantCulture), ["q-q3"] = "1", ["action"] = "submit" }).ToList();
        var results = await Task.WhenAll(choices.Select(c => Forms.PostAsync(w.World.Http, TakeUrl(w, "post", link[0]), c)));
        Assert.Equal(1, results.Count(r => r.Response.StatusCode == HttpStatusCode.OK));
        Assert.Equal(7, results.Count(r => r.Response.StatusCode == HttpStatusCode.Conflict));
        var attempt = (await store.GetAttemptAsync(w.CycleId, TestKinds.Post, ids[0]))!;
        var winner = choices[Array.FindIndex(results, r => r.Response.StatusCode == HttpStatusCode.OK)];
        Assert.Equal(winner["q-q2"] == "0" ? 4 : 3, attempt.Points);
        var again = await Forms.PostAsync(w.World.Http, TakeUrl(w, "post", link[0]), new Dictionary<string, string> { ["q-q2"] = "1", ["action"] = "submit" });
        Assert.Equal(HttpStatusCode.Conflict, again.Response.StatusCode);
        Assert.Equal(attempt.Points, (await store.GetAttemptAsync(w.CycleId, TestKinds.Post, ids[0]))!.Points);

        // The time limit: a person who opened 31 minutes ago gets their saved answers submitted, not the new ones.
        await Forms.GetAsync(w.World.Http, TakeUrl(w, "post", link[1]));
        await Forms.PostAsync(w.World.Http, TakeUrl(w, "post", link[1]), new Dictionary<string, string> { ["q-q1"] = "1", ["action"] = "save" });
        w.Clock.Advance(TimeSpan.FromMinutes(31));
        var timeUp = await Forms.PostAsync(w.World.Http, TakeUrl(w, "post", link[1]), new Dictionary<string, string> { ["q-q2"] = "0", ["q-q3"] = "1", ["action"] = "save" });
        Assert.Equal(HttpStatusCode.OK, timeUp.Response.StatusCode);
        Assert.Equal(2, (await store.GetAttemptAsync(w.CycleId, TestKinds.Post, ids[1]))!.Points);

        // Editing a test someone submitted is refused (the scores would no longer match).
        Assert.Equal(HttpStatusCode.Conflict, (await PutJsonAsync(w.World.Organizer, $"api/cycles/{w.CycleId}/tests/post", PostTest(last.StartsAt, last.StartsAt.AddDays(2)))).StatusCode);

        var report = await w.JsonAsync($"api/cycles/{w.CycleId}/evaluation/results");
        var people = report.GetProperty("people").EnumerateArray().ToDictionary(p => p.GetProperty("participantId").GetString()!);
        Assert.Equal(50m, people[ids[0]].GetProperty("pre").GetDecimal());
        Assert.Equal(attempt.Percent, (double)people[ids[0]].GetProperty("post").GetDecimal());
        Assert.Equal((decimal)attempt.Percent - 50m, people[ids[0]].GetProperty("gain").GetDecimal());
        Assert.Equal(2, report.GetProperty("cohort").GetProperty("withBoth").GetInt32());
        Assert.Equal(2, report.GetProperty("post").GetProperty("submitted").GetInt32());
        var q1 = report.GetProperty("post").GetProperty("questions").EnumerateArray().First();
        Assert.Equal(2, q1.GetProperty("correct").GetInt32());
        var scores = await w.World.Host.Services.GetRequiredService<EvaluationScores>().PostTestScoresAsync(w.CycleId, CancellationToken.None);
        Assert.Equal(ids.Take(2).Order(StringComparer.Ordinal), scores.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(50m, scores[ids[1]]);
        var export = await w.World.Organizer.GetStringAsync($"api/cycles/{w.CycleId}/evaluation/results?format=csv");
        Assert.StartsWith("participant_id,registration_number,full_name,pre_test,post_test,gain", export, StringComparison.Ordinal);

        // Ratings: a session once it started, once each; bounded plain-text comment.
        var rateUrl = $"api/cycles/{w.CycleId}/rate/s3?t={Uri.EscapeDataString(link[2])}";
        var form = new Dictionary<string, string> { ["item-0"] = "5", ["item-1"] = "4", ["item-2"] = "4", ["item-3"] = "3", ["item-4"] = "5", ["comment"] = "Materi\u202E bagus\n<b>sekali</b>" };
        var missing = await Forms.PostAsync(w.World.Http, rateUrl, new Dictionary<string, string>(form) { ["item-4"] = "6" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.Response.StatusCode);
        var tooLong = await Forms.PostAsync(w.World.Http, rateUrl, new Dictionary<string, string>(form) { ["comment"] = new string('a', Ratings.MaxCommentLength + 1) });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooLong.Response.StatusCode);
        var ratePage = await Forms.GetAsync(w.World.Http, rateUrl);
        Assert.Equal(noticeVersion, ratePage.Page.QuerySelector("form .privacy-notice")?.GetAttribute("data-consent-version"));
        Assert.Equal(HttpStatusCode.OK, (await Forms.PostAsync(w.World.Http, rateUrl, form)).Response.StatusCode);
        Assert.Equal(noticeVersion, (await store.GetRatingAsync(w.CycleId, "s3", ids[2]))!.NoticeVersion);
        Assert.Equal(HttpStatusCode.Conflict, (await Forms.PostAsync(w.World.Http, rateUrl, form)).Response.StatusCode);
        var ratings = await w.JsonAsync($"api/cycles/{w.CycleId}/evaluation/ratings");
        var s3 = ratings.GetProperty("sessions").EnumerateArray().Single(s => s.GetProperty("target").GetString() == "s3");
        Assert.Equal(1, s3.GetProperty("count").GetInt32());
        Assert.Equal(4.2m, s3.GetProperty("average").GetDecimal());
        Assert.Equal("Materi bagus <b>sekali</b>", Assert.Single(s3.GetProperty("comments").EnumerateArray()).GetString());
        Assert.DoesNotContain("Peserta", ratings.GetRawText(), StringComparison.Ordinal);

        // #21c the ratings as CSV: one row per target × item, invariant decimals, counts of 1..5; comments without names, formula-safe.
        var orgForm = new Dictionary<string, string> { ["item-0"] = "4", ["item-1"] = "4", ["item-2"] = "4", ["item-3"] = "4", ["comment"] = "=HYPERLINK(\"http://x\")" };
        Assert.Equal(HttpStatusCode.OK, (await Forms.PostAsync(w.World.Http, $"api/cycles/{w.CycleId}/rate/org?t={Uri.EscapeDataString(link[0])}", orgForm)).Response.StatusCode);
        var bytes = await w.World.Organizer.GetByteArrayAsync($"api/cycles/{w.CycleId}/evaluation/ratings?format=csv");
        Assert.Equal(Encoding.UTF8.Preamble.ToArray(), bytes.Take(3).ToArray());
        var rows = ReadCsv(bytes);
        Assert.Equal(["target_kind", "target_id", "title", "instructor", "item", "count", "average", "n1", "n2", "n3", "n4", "n5"], rows[0]);
        var s3Rows = rows.Where(r => r[1] == "s3").ToList();
        Assert.Equal(Ratings.SessionItems.Count, s3Rows.Count);
        Assert.All(s3Rows, r => Assert.Equal("session", r[0]));
        Assert.Equal(["Materi relevan dengan tugas saya", "1", "5", "0", "0", "0", "0", "1"], s3Rows[0][4..]);
        Assert.Equal(["Waktu sesi digunakan dengan baik", "1", "3", "0", "0", "1", "0", "0"], s3Rows[3][4..]);
        Assert.Equal(["0", ""], rows.First(r => r[1] == "s1")[5..7]);
        Assert.Equal(["1", "4"], rows.First(r => r[0] == "organisation")[5..7]);
        var english = ReadCsv(await w.World.Organizer.GetByteArrayAsync($"api/cycles/{w.CycleId}/evaluation/ratings?format=csv&lang=en"));
        Assert.Equal("The material is relevant to my work", english.First(r => r[1] == "s3")[4]);
        var commentsCsv = await w.World.Organizer.GetByteArrayAsync($"api/cycles/{w.CycleId}/evaluation/ratings?format=csv&part=comments");
        var comments = ReadCsv(commentsCsv);
        Assert.Equal(["target_kind", "target_id", "title", "comment"], comments[0]);
        Assert.Equal("Materi bagus <b>sekali</b>", comments.Single(r => r[1] == "s3")[3]);
        Assert.Equal("'=HYPERLINK(\"http://x\")", comments.Single(r => r[0] == "organisation")[3]);
        var text = Encoding.UTF8.GetString(commentsCsv) + Encoding.UTF8.GetString(bytes);
        foreach (var p in await w.World.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(w.CycleId, CancellationToken.None))
        {
            Assert.DoesNotContain(p.FullName ?? "", text, StringComparison.Ordinal);
            Assert.DoesNotContain(p.RowKey, text, StringComparison.Ordinal);
        }

        var badPart = await w.World.Organizer.GetAsync($"api/cycles/{w.CycleId}/evaluation/ratings?format=csv&part=names");
        Assert.Equal(HttpStatusCode.BadRequest, badPart.StatusCode);
    }

    private static List<string[]> ReadCsv(byte[] bytes)
    {
        using var reader = new CsvHelper.CsvReader(new StreamReader(new MemoryStream(bytes), Encoding.UTF8), System.Globalization.CultureInfo.InvariantCulture);
        var rows = new List<string[]>();
        while (reader.Read())
        {
            rows.Add(reader.Parser.Record!);
        }

        return rows;
    }
}
