using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TrainingCycles.DevHost;
using TrainingCycles.Evaluation;
using TrainingCycles.Nomination;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Identity;
using TrainingCycles.Tests.Nomination;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Reliability;

/// <summary>
/// #23 item 7: the person erased came in through agency nomination (quota, coordinator signed in with the link from
/// their mail, surat tugas naming her, her acceptance, the organizer's approval), named her superior, answered the
/// evaluation (post-test, a session and the organisation rated, the follow-up survey — her comments name her — and her
/// superior's follow-up) and was certified. The same scan as above (<see cref="EraseOneAndScanAsync"/>): the export
/// covers every place it finds her in, and after the erasure nothing but the certificate record is left — of her
/// NIP, email, phone and name, nor of her superior's name and address, which she gave for this participation only.
/// </summary>
public sealed partial class PrivacyTests
{
    private const string NominatingAgency = "Dinas Sosial Kabupaten Gunung Mas";
    private const string Coordinator = "koord.gumas@kalteng.example";

    private static readonly Person Nominee = new("Theresia Ngabut Lambung", "19880921 201001 2 008", "198809212010012008", "Theresia.Ngabut@Dinsos-Gumas.example",
        "0813-5214-7706", "+6281352147706", SuperiorName: "Drs. Ambrosius Tingang, M.Si.", SuperiorEmail: "ambrosius.tingang@dinsos-gumas.example",
        BirthDate: "1988-09-21", BirthPlace: "Kuala Kurun");

    [Fact]
    public async Task ANominatedPersonWhoAnsweredTheEvaluationLeavesOnlyHerCertificateRecordAfterErasure()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var logs = new CapturedLogs();
        await using var world = await TestWorld.StartAsync(DurableBackend.AzureStorage, new Dictionary<string, string?>
        {
            ["TrainingCycles__FormPostsPerMinute"] = "1000",
            ["TrainingCycles__Nomination__RecheckSeconds"] = "2", // the rescheduled deadline is run at once
        }, logs: logs);

        // Far-off dates while the nomination runs; a reschedule then brings the training close (as in the test above).
        var now = DateTimeOffset.UtcNow;
        var definition = CycleApi.CompressedDefinition(now, capacity: 10, closeAfterSeconds: 180);
        definition["completion"]!["minimumAttendancePercent"] = 0;
        definition["nomination"] = new JsonObject { ["deadline"] = CycleApi.Iso(now.AddSeconds(170)), ["releaseTo"] = "open", ["nomineeMustAccept"] = true };
        definition["evaluation"] = new JsonObject { ["followUpAfter"] = "PT3S", ["followUpReminderAfter"] = "PT2S" };
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;

        // The agency's quota; its coordinator signs in with the link in their invitation mail.
        var quotaCsv = "instansi;tingkat;kabupaten/kota;kursi;nama koordinator;email koordinator\n" + $"{NominatingAgency};kabupaten;Gunung Mas;2;Yuliana Dewi, S.Sos.;{Coordinator}\n";
        Assert.Equal(HttpStatusCode.OK, (await NominationFlowTests.PutQuotasAsync(world, cycleId, quotaCsv)).StatusCode);
        var invitation = Assert.Single(await NominationFlowTests.WaitForMailsAsync(world, NominationMailKinds.Coordinator, 1));
        using var coordinator = SignIn.Client(world.Host.BaseUrl);
        var redeemed = await SignIn.RedeemAsync(coordinator, SignIn.TokenOf(SignIn.LinkIn(invitation.Text!)));
        Assert.Equal(HttpStatusCode.SeeOther, redeemed.StatusCode);
        coordinator.DefaultRequestHeaders.Add("Cookie", SignIn.SessionCookie(redeemed) ?? throw new InvalidOperationException("no session cookie"));
        coordinator.DefaultRequestHeaders.Add("Origin", coordinator.BaseAddress!.GetLeftPart(UriPartial.Authority)); // the page's own form posts

        // The surat tugas names her, as a real one does; then the nomination with her superior.
        var quotaId = QuotaIds.For(NominatingAgency);
        await NominationFlowTests.UploadAsync(coordinator, cycleId, quotaId, Pdfs.Letter(
            "SURAT TUGAS", "Nomor: 800/117/DINSOS-GM/2026", "Kepala Dinas Sosial Kabupaten Gunung Mas menugaskan:",
            $"Nama: {Nominee.Name}", $"NIP: {Nominee.NipTyped}", "Jabatan: Pekerja Sosial Ahli Pertama", $"HP: {Nominee.PhoneTyped}, email: {Nominee.EmailTyped}",
            "untuk mengikuti Pelatihan Dasar Pekerjaan Sosial se-Kalimantan Tengah."));
        var nominations = world.Host.Services.GetRequiredService<NominationStore>();
        var letterId = Assert.Single(await nominations.LettersAsync(cycleId, quotaId)).RowKey;
        var fields = NominationFlowTests.Nominee(1, letterId);
        fields["fullName"] = Nominee.Name;
        fields["nip"] = Nominee.NipTyped;
        fields["birthDate"] = Nominee.BirthDate!;
        fields["birthPlace"] = Nominee.BirthPlace!;
        fields["gender"] = "2";
        fields["email"] = Nominee.EmailTyped;
        fields["phone"] = Nominee.PhoneTyped;
        fields["superiorName"] = Nominee.SuperiorName!;
        fields["superiorEmail"] = Nominee.SuperiorEmail!;
        var (nominated, nominatedPage) = await Forms.PostAsync(coordinator, $"api/cycles/{cycleId}/nomination/nominees?quota={quotaId}", fields);
        Assert.True(nominated.StatusCode == HttpStatusCode.SeeOther, $"nomination answered {(int)nominated.StatusCode}: {nominatedPage.QuerySelector(".error, [id$=-error]")?.TextContent}");

        // She accepts through her own link, the organizer approves, she is confirmed with her personal link.
        var ask = Assert.Single(await NominationFlowTests.WaitForMailsAsync(world, NominationMailKinds.Ask, 1));
        Assert.Equal(Nominee.Email, ask.To, ignoreCase: true);
        var (accepted, _) = await Forms.PostAsync(world.Http, AnswerLink().Match(ask.Text!).Groups[1].Value, new Dictionary<string, string> { ["answer"] = "accept" });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var nominee = Assert.Single(await nominations.NomineesAsync(cycleId));
        Assert.Equal(HttpStatusCode.OK, (await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{nominee.RowKey}/decision", new { decision = "approve" })).StatusCode);
        var confirmation = await WaitForDeliveryAsync(world, Nominee.Email, MailKinds.Confirmation);
        var manage = Uri.UnescapeDataString(ManageToken().Match(confirmation.Text!).Groups[1].Value);

        // A colleague from elsewhere walks in through the open form (the erasure must leave her alone).
        var other = People[1];
        var walkIn = Forms.ValidRegistration(nip: other.NipTyped, email: other.EmailTyped, name: other.Name);
        walkIn["phone"] = other.PhoneTyped;
        Assert.Equal(HttpStatusCode.OK, (await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", walkIn)).Response.StatusCode);

        // The training comes close; the post-test opens with the last session.
        var at = DateTimeOffset.UtcNow;
        var reschedule = await CycleApi.CommandAsync(world.Organizer, cycleId, "reschedule", new
        {
            registrationClosesAt = CycleApi.Iso(at.AddSeconds(5)),
            nomination = new { deadline = CycleApi.Iso(at.AddSeconds(4)), releaseTo = "open", nomineeMustAccept = true },
            sessions = new[]
            {
                new { id = "s1", title = "Hari 1", startsAt = CycleApi.Iso(at.AddSeconds(6)), endsAt = CycleApi.Iso(at.AddSeconds(8)) },
                new { id = "s2", title = "Hari 2", startsAt = CycleApi.Iso(at.AddSeconds(9)), endsAt = CycleApi.Iso(at.AddSeconds(11)) },
            },
        });
        Assert.True(reschedule.StatusCode == HttpStatusCode.Accepted, $"reschedule answered {(int)reschedule.StatusCode}: {await reschedule.Content.ReadAsStringAsync()}");
        var postTest = new
        {
            opensAt = CycleApi.Iso(at.AddSeconds(9)),
            closesAt = CycleApi.Iso(at.AddDays(2)),
            questions = new object[]
            {
                new { id = "q1", type = "choice", text = "Ibu kota Kalimantan Tengah?", options = new[] { "Sampit", "Palangka Raya", "Kuala Kapuas" }, answer = 1, points = 2 },
                new { id = "q2", type = "truefalse", text = "PKH adalah program perlindungan sosial.", correct = true, points = 1 },
            },
        };
        var putTest = await world.Organizer.PutAsync($"api/cycles/{cycleId}/tests/post", new StringContent(JsonSerializer.Serialize(postTest), Encoding.UTF8, "application/json"));
        Assert.True(putTest.StatusCode == HttpStatusCode.OK, $"post-test answered {(int)putTest.StatusCode}: {await putTest.Content.ReadAsStringAsync()}");

        var done = await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "Completed", TimeSpan.FromSeconds(150));
        Assert.Equal(2, done.GetProperty("counts").GetProperty("certified").GetInt32());

        // The evaluation, through her personal link: the post-test, a session, the organisation; her comments name her.
        var take = $"api/cycles/{cycleId}/tests/post/take?t={Uri.EscapeDataString(manage)}";
        Assert.Equal(HttpStatusCode.OK, (await Forms.GetAsync(world.Http, take)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Forms.PostAsync(world.Http, take, new Dictionary<string, string> { ["q-q1"] = "1", ["q-q2"] = "0", ["action"] = "submit" })).Response.StatusCode);
        string Rate(string target, string token) => $"api/cycles/{cycleId}/rate/{target}?t={Uri.EscapeDataString(token)}";
        var session = new Dictionary<string, string> { ["item-0"] = "5", ["item-1"] = "4", ["item-2"] = "4", ["item-3"] = "3", ["item-4"] = "5", ["comment"] = $"Saya, {Nominee.Name}, merasa materi hari pertama sangat relevan dengan tugas saya." };
        Assert.Equal(HttpStatusCode.OK, (await Forms.PostAsync(world.Http, Rate("s1", manage), session)).Response.StatusCode);
        var organisation = new Dictionary<string, string> { ["item-0"] = "4", ["item-1"] = "3", ["item-2"] = "4", ["item-3"] = "4", ["comment"] = $"Saya {Nominee.Name} (NIP {Nominee.NipTyped}); sertifikat mohon dikirim ke {Nominee.EmailTyped} atau hubungi {Nominee.PhoneTyped}." };
        Assert.Equal(HttpStatusCode.OK, (await Forms.PostAsync(world.Http, Rate(Ratings.Organisation, manage), organisation)).Response.StatusCode);

        // Months later (seconds here): her follow-up survey and her superior's, each through the link in their mail.
        var survey = await WaitForDeliveryAsync(world, Nominee.Email, MailKinds.FollowUpSurvey);
        var followUp = new Dictionary<string, string> { ["item-0"] = "5", ["item-1"] = "4", ["item-2"] = "5", ["comment"] = $"Saya, {Nominee.Name}, sudah menerapkan asesmen kasus di Dinas Sosial Gunung Mas." };
        Assert.Equal(HttpStatusCode.OK, (await Forms.PostAsync(world.Http, LinkIn(survey.Text!), followUp)).Response.StatusCode);
        var superiorMail = await WaitForDeliveryAsync(world, Nominee.SuperiorEmail!, MailKinds.FollowUpSuperior);
        Assert.Contains(Nominee.Name, superiorMail.Text, StringComparison.Ordinal);
        var bySuperior = new Dictionary<string, string> { ["item-0"] = "4", ["item-1"] = "4", ["item-2"] = "5", ["comment"] = $"Laporan kasus Sdri. {Nominee.Name} kini lebih rapi. — {Nominee.SuperiorName}" };
        Assert.Equal(HttpStatusCode.OK, (await Forms.PostAsync(world.Http, LinkIn(superiorMail.Text!), bySuperior)).Response.StatusCode);
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            var followUpDone = await world.Host.DurableClient.WaitForInstanceCompletionAsync(FollowUpOrchestration.InstanceId(cycleId), wait.Token);
            Assert.Equal(Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Completed, followUpDone.RuntimeStatus);
        }

        var ratings = await world.Host.Services.GetRequiredService<EvaluationStore>().ListRatingsAsync(cycleId);
        Assert.Equal(new[] { Ratings.FollowUp, Ratings.FollowUpSuperior, Ratings.Organisation, "s1" }.Order(StringComparer.Ordinal), ratings.Select(r => r.Target).Order(StringComparer.Ordinal));
        await Task.Delay(500); // the last log lines
        output.WriteLine($"nomination, training, evaluation and follow-up on Azure Storage in {watch.Elapsed.TotalSeconds:0} s");

        // Before any erasure, as in the first part of the test above: the nomination's, the evaluation's and the follow-up's
        // workflows, the log lines and the mail metadata hold neither person's data.
        var mustBeClean = (await TaskHubTextAsync(world)).Concat(logs.Lines.Select(l => ("log " + l.Category, l.AllText))).Concat(MailMetadata(world))
            .Select(p => (p.Item1, (string?)null, p.Item2)).ToList();
        var early = Hits(mustBeClean, Nominee).Concat(Hits(mustBeClean, other)).ToList();
        Assert.True(early.Count == 0, string.Join("\n", early.Take(30).Select(h => h.Text)));
        Assert.Contains(mustBeClean, p => p.Item1.Contains(FollowUpOrchestration.InstanceId(cycleId), StringComparison.Ordinal)); // the follow-up's history was searched

        // Export, erasure and the scan; the scan saw her in the nomination's and the evaluation's stores too.
        var before = await EraseOneAndScanAsync(world, cycleId, logs, Nominee, [other]);
        Assert.Contains("table:" + NominationStore.TableName, before);
        Assert.Contains("blob:" + NominationService.LettersContainer, before);
        Assert.Contains("table:" + EvaluationStore.Table, before);
        Assert.Contains("blob:certificates", before);
        output.WriteLine($"whole test {watch.Elapsed.TotalSeconds:0} s");
    }

    [GeneratedRegex(@"/(api/cycles/[^\s""<>]+/nomination/answer\?t=[^\s""<>&]+)")]
    private static partial Regex AnswerLink();

    [GeneratedRegex(@"[?&]manage=([^\s""<>&]+)")]
    private static partial Regex ManageToken();
}
