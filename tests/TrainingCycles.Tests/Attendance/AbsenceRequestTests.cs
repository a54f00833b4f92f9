using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingCycles.Attendance;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Attendance;

/// <summary>#20 excused absence: the participant's request, the evidence check, the organizer's decision and mail.</summary>
public sealed class AbsenceRequestTests
{
    internal static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    internal static byte[] Pdf()
    {
        using var document = new PdfSharp.Pdf.PdfDocument();
        document.AddPage();
        using var stream = new MemoryStream();
        document.Save(stream);
        return stream.ToArray();
    }

    [Fact]
    public void EvidenceIsJudgedByItsContentAndSize()
    {
        Assert.Equal((EvidenceProblem.None, "application/pdf"), EvidenceCheck.Check(Pdf()));
        Assert.Equal((EvidenceProblem.None, "image/png"), EvidenceCheck.Check(Png));
        Assert.Equal(EvidenceProblem.NotPdfOrImage, EvidenceCheck.Check("surat dokter.pdf"u8).Problem);
        Assert.Equal(EvidenceProblem.Unreadable, EvidenceCheck.Check(Png.AsSpan(0, 40)).Problem); // a PNG cut short
        Assert.Equal(EvidenceProblem.Unreadable, EvidenceCheck.Check("%PDF-1.7\n garbage %%EOF"u8).Problem); // PDF magic, does not parse
        Assert.Equal(EvidenceProblem.Unreadable, EvidenceCheck.Check([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46]).Problem); // JPEG start, no frame, no end
        var big = new byte[EvidenceCheck.MaxBytes + 1];
        Png.CopyTo(big, 0);
        Assert.Equal(EvidenceProblem.TooLarge, EvidenceCheck.Check(big).Problem);
        Assert.Equal(EvidenceProblem.Empty, EvidenceCheck.Check([]).Problem);
    }

    [Fact]
    public async Task AParticipantAsksToBeExcusedTheOrganizerApprovesAndTheDecisionIsMarkedAuditedAndMailedOnce()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];
        var url = $"api/cycles/{w.CycleId}/absence?t={Uri.EscapeDataString(w.Token(id, TokenPurpose.Manage))}";

        var page = await w.World.Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("enctype=\"multipart/form-data\"", await page.Content.ReadAsStringAsync());

        // Refused evidence (text named .pdf, or too big) saves nothing.
        var wrong = await w.World.Http.PostAsync(url, Form("s2", "Sick", "bukan-pdf.pdf", "hanya teks"u8.ToArray()));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrong.StatusCode);
        Assert.Contains("Tidak ada yang disimpan", await wrong.Content.ReadAsStringAsync());
        var big = new byte[EvidenceCheck.MaxBytes + 10];
        Pdf().CopyTo(big, 0);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await w.World.Http.PostAsync(url, Form("s2", "Sick", "besar.pdf", big))).StatusCode);

        var sent = await w.World.Http.PostAsync(url, Form("s1", "OfficialDuty", "surat-tugas.png", Png, "Rapat koordinasi di Palangka Raya"));
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await w.World.Http.PostAsync(url, Form("s1", "Sick", null, null))).StatusCode); // already pending

        var list = await w.JsonAsync($"api/cycles/{w.CycleId}/absence-requests");
        var request = Assert.Single(list.GetProperty("requests").EnumerateArray());
        Assert.Equal("Pending", request.GetProperty("status").GetString());
        Assert.Equal("OfficialDuty", request.GetProperty("reason").GetString());
        Assert.Equal("image/png", request.GetProperty("evidenceContentType").GetString());
        var requestId = request.GetProperty("requestId").GetString()!;
        var evidence = await w.World.Organizer.GetAsync($"api/cycles/{w.CycleId}/absence-requests/{requestId}/evidence");
        Assert.Equal("image/png", evidence.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Png, await evidence.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await w.World.Http.GetAsync($"api/cycles/{w.CycleId}/absence-requests/{requestId}/evidence")).StatusCode);

        var decision = $"api/cycles/{w.CycleId}/absence-requests/{requestId}/decision";
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await w.World.Organizer.PostAsJsonAsync(decision, new { decision = "reject" })).StatusCode); // a rejection needs a note
        var approved = await w.World.Organizer.PostAsJsonAsync(decision, new { decision = "approve", note = "Surat tugas terlampir" });
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.True((await approved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("changed").GetBoolean());
        var again = await (await w.World.Organizer.PostAsJsonAsync(decision, new { decision = "approve", note = "Surat tugas terlampir" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(again.GetProperty("changed").GetBoolean());
        Assert.Equal(HttpStatusCode.Conflict, (await w.World.Organizer.PostAsJsonAsync(decision, new { decision = "reject", note = "salah" })).StatusCode);

        var mark = (await w.MarkAsync("s1", id))!;
        Assert.Equal(AttendanceStatus.Excused, mark.Status);
        Assert.StartsWith("izin disetujui: Dinas", mark.Note);
        var audit = await w.World.Host.Services.GetRequiredService<AuditLog>().ReadAsync(w.CycleId);
        Assert.Single(audit, e => e.Action == "absence.approved" && e.ParticipantId == id && e.Actor.Length > 0);
        Assert.Single(audit, e => e.Action == "absence.requested" && e.ParticipantId == id);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!w.World.Host.Outbox.Deliveries.Any(d => d.CustomArgs.TryGetValue("k", out var k) && k == AbsenceMail.Kind))
        {
            Assert.True(DateTime.UtcNow < deadline, "no decision mail");
            await Task.Delay(200);
        }

        await Task.Delay(1000); // the repeated decision scheduled again: the email log keeps it to one
        var mail = Assert.Single(w.World.Host.Outbox.Deliveries, d => d.CustomArgs.TryGetValue("k", out var k) && k == AbsenceMail.Kind);
        Assert.Contains("Disetujui", mail.Subject);
        Assert.Contains("Surat tugas terlampir", mail.Text);
    }

    [Fact]
    public async Task TheRosterLocksOnlyWithNothingPendingAndRefusesChangesUntilReopenedWithAReason()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var ids = await w.AddParticipantsAsync(2);
        var url = $"api/cycles/{w.CycleId}/absence?t={Uri.EscapeDataString(w.Token(ids[0], TokenPurpose.Manage))}";
        Assert.Equal(HttpStatusCode.OK, (await w.World.Http.PostAsync(url, Form("s2", "Sick", null, null))).StatusCode);
        var lockUrl = $"api/cycles/{w.CycleId}/roster/lock";

        // Not before every session is over (no check-in or automatic absence can add a mark after the lock), and marked.
        var notEnded = await w.World.Organizer.PostAsync(lockUrl, null);
        Assert.Equal(HttpStatusCode.Conflict, notEnded.StatusCode);
        Assert.Equal("roster_sessions_not_ended", (await notEnded.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
        w.Clock.Advance(TimeSpan.FromDays(6));
        foreach (var session in new[] { "s1", "s2", "s3" })
        {
            Assert.Equal(HttpStatusCode.OK, (await w.PutMarksAsync(session, new { marks = ids.Select(id => new { participantId = id, status = "Absent" }).ToArray() })).StatusCode);
        }

        var refused = await w.World.Organizer.PostAsync(lockUrl, null);
        var refusedBody = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("roster_open_items", refusedBody.GetProperty("error").GetProperty("code").GetString());
        Assert.Single(refusedBody.GetProperty("error").GetProperty("details").GetProperty("pendingAbsenceRequests").EnumerateArray());
        Assert.NotEmpty(refusedBody.GetProperty("error").GetProperty("messageEn").GetString()!);

        Assert.Equal(HttpStatusCode.OK, (await w.World.Organizer.PostAsJsonAsync($"api/cycles/{w.CycleId}/absence-requests/s2~{ids[0]}/decision", new { decision = "reject", note = "Tanpa surat dokter" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await w.World.Organizer.PostAsync(lockUrl, null)).StatusCode);

        var marks = await w.PutMarksAsync("s1", new { marks = new[] { new { participantId = ids[1], status = "Present" } } });
        Assert.Equal(HttpStatusCode.Conflict, marks.StatusCode);
        var error = (await marks.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("roster_locked", error.GetProperty("code").GetString());
        Assert.Equal(Text.Get("en", nameof(Texts.Error_Roster_Locked)), error.GetProperty("messageEn").GetString());
        Assert.Equal(Text.Get("id", nameof(Texts.Error_Roster_Locked)), error.GetProperty("message").GetString());
        Assert.Equal(AttendanceStatus.Absent, (await w.MarkAsync("s1", ids[1]))!.Status);
        Assert.Equal(HttpStatusCode.Conflict, (await w.World.Organizer.PutAsJsonAsync($"api/cycles/{w.CycleId}/participants/{ids[1]}/completion-override", new { outcome = "Certificate", reason = "Tugas pengganti" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await w.World.Http.PostAsync(url, Form("s2", "Sick", null, null))).StatusCode); // asked again after the rejection: locked

        var reopen = $"api/cycles/{w.CycleId}/roster/reopen";
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await w.World.Organizer.PostAsJsonAsync(reopen, new { reason = " " })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await w.World.Organizer.PostAsJsonAsync(reopen, new { reason = "Koreksi daftar hadir hari 1" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await w.PutMarksAsync("s1", new { marks = new[] { new { participantId = ids[1], status = "Present" } } })).StatusCode);
        var audit = await w.World.Host.Services.GetRequiredService<AuditLog>().ReadAsync(w.CycleId);
        Assert.Single(audit, e => e.Action == "roster.locked");
        Assert.Single(audit, e => e.Action == "roster.reopened" && e.Details == "Koreksi daftar hadir hari 1");
    }

    [Fact]
    public async Task ReopeningALockedRosterOfACompletedCycleReRunsTheRuleInTheWorkflowAndIssuesWhatChanged()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 4, sessions: 2);
        definition["completion"] = new JsonObject { ["minimumAttendancePercent"] = 50, ["lateCounts"] = true, ["excusedCounts"] = false };
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        var participants = world.Host.Services.GetRequiredService<ParticipantStore>();
        var table = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Participants);
        var id = Ids.New("p");
        await table.AddEntityAsync(new ParticipantEntity { PartitionKey = cycleId, RowKey = id, Email = $"{id}@example.org", FullName = "Dewi Lestari", Status = ParticipantStatus.Confirmed, Language = "id", RegistrationNumber = id[^4..] });
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "Completed");
        Assert.False((await participants.GetAsync(cycleId, id))!.Eligible);
        Assert.Equal(HttpStatusCode.OK, (await world.Organizer.PostAsync($"api/cycles/{cycleId}/roster/lock", null)).StatusCode);

        // A mark corrected behind the rule's back (as a restored backup would): only a re-run of the rule sees it.
        var attendance = world.Host.Services.GetRequiredService<AttendanceStore>();
        var row = (await attendance.GetAsync(cycleId, "s1", id))!;
        row.Status = AttendanceStatus.Present;
        Assert.True(await attendance.TryReplaceAsync(row));

        var reopened = await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/roster/reopen", new { reason = "Daftar hadir hari 1 dari berkas kertas" });
        var body = await reopened.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, reopened.StatusCode);
        Assert.True(body.GetProperty("rerun").GetProperty("scheduled").GetBoolean());
        Assert.False((await participants.GetAsync(cycleId, id))!.Eligible); // not decided in the request

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!world.Host.Outbox.Deliveries.Any(d => d.To == $"{id}@example.org" && d.CustomArgs["k"] == "certificate-issued"))
        {
            Assert.True(DateTime.UtcNow < deadline, "no certificate after the re-run");
            await Task.Delay(200);
        }

        var p = (await participants.GetAsync(cycleId, id))!;
        Assert.True(p.Eligible);
        Assert.NotNull(p.CertificateNumber);
    }

    internal static MultipartFormDataContent Form(string session, string reason, string? fileName, byte[]? file, string? note = null)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(session, Encoding.UTF8), "session" },
            { new StringContent(reason, Encoding.UTF8), "reason" },
        };
        if (note is not null)
        {
            form.Add(new StringContent(note, Encoding.UTF8), "note");
        }

        if (file is not null)
        {
            var content = new ByteArrayContent(file);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf"); // what the browser claims never decides
            form.Add(content, "evidence", fileName ?? "bukti");
        }

        return form;
    }
}
