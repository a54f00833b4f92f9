using System.Net;
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

/// <summary>
/// #20's "done when", on a compressed timeline with the real workflow: four sessions of 4 JP, one person excused for a
/// session, one short of the minimum, one overridden by an organizer (audited), one with a failing imported score.
/// </summary>
public sealed class JpCompletionFlowTests
{
    [Fact]
    public async Task TheRightPeopleGetACertificateOrALetterAndEachExplanationSaysWhy()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 5, sessions: 4);
        foreach (var session0 in definition["sessions"]!.AsArray())
        {
            session0!["jp"] = 4;
            session0["instructor"] = "Dr. Rina Sari, M.Si.";
        }

        definition["certificate"]!.AsObject().Remove("trainingHours");
        definition["completion"] = new JsonObject
        {
            ["minimumAttendancePercent"] = 75, ["lateCounts"] = true, ["excusedCounts"] = true, ["maximumExcusedPercent"] = 25,
            ["letterMinimumPercent"] = 50, ["minimumPostTestScore"] = 70,
        };
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        var table = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Participants);
        var (full, excused, shortOf, overridden, lowScore) = (Ids.New("p"), Ids.New("p"), Ids.New("p"), Ids.New("p"), Ids.New("p"));
        var nips = new Dictionary<string, string>();
        var n = 0;
        foreach (var id in new[] { full, excused, shortOf, overridden, lowScore })
        {
            nips[id] = $"19850312201001100{++n}";
            await table.AddEntityAsync(new ParticipantEntity { PartitionKey = cycleId, RowKey = id, Email = $"{id}@example.org", FullName = "Peserta " + n, Nip = nips[id], Status = ParticipantStatus.Confirmed, Language = "id", RegistrationNumber = id[^4..] });
        }

        var marks = new Dictionary<string, string[]>
        {
            ["s1"] = [full, excused, shortOf, overridden, lowScore],
            ["s2"] = [full, shortOf, overridden, lowScore],
            ["s3"] = [full, excused, lowScore],
            ["s4"] = [full, excused, lowScore],
        };
        foreach (var (session, present) in marks)
        {
            var items = present.Select(p => new { participantId = p, status = "Present" }).ToList();
            if (session == "s2")
            {
                items.Add(new { participantId = excused, status = "Excused" });
            }

            var put = await world.Organizer.PutAsync($"api/cycles/{cycleId}/sessions/{session}/attendance", JsonContent.Create(new { marks = items }));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var csv = "nip;nilai\n" + string.Join("\n", new[] { full, excused, shortOf, overridden }.Select(p => nips[p] + ";80")) + "\n" + nips[lowScore] + ";65,5\n";
        var import = await world.Organizer.PostAsync($"api/cycles/{cycleId}/post-test-scores", new StringContent(csv, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        var bad = await world.Organizer.PostAsync($"api/cycles/{cycleId}/post-test-scores", new StringContent("nip,nilai\n199901012020011001,80\n" + nips[full] + ",101\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        Assert.Equal(2, (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("details").GetArrayLength());

        var refused = await world.Organizer.PutAsJsonAsync($"api/cycles/{cycleId}/participants/{overridden}/completion-override", new { outcome = "Certificate", reason = "" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var set = await world.Organizer.PutAsJsonAsync($"api/cycles/{cycleId}/participants/{overridden}/completion-override", new { outcome = "Certificate", reason = "Tugas dinas dari Gubernur (surat terlampir)" });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);

        // The export and the dashboard's live preview run the workflow's evaluation: score and override included.
        var export = (await world.Organizer.GetFromJsonAsync<JsonElement>($"api/cycles/{cycleId}/attendance")).GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("participantId").GetString()!);
        Assert.Equal((true, "Certificate", true), (export[overridden].GetProperty("overridden").GetBoolean(), export[overridden].GetProperty("outcome").GetString(), export[overridden].GetProperty("meetsRule").GetBoolean()));
        Assert.Contains("Tugas dinas", export[overridden].GetProperty("explanation").GetString(), StringComparison.Ordinal);
        Assert.Equal((false, false, 65.5m), (export[lowScore].GetProperty("overridden").GetBoolean(), export[lowScore].GetProperty("meetsRule").GetBoolean(), export[lowScore].GetProperty("postTestScore").GetDecimal()));
        var exportCsv = await world.Organizer.GetStringAsync($"api/cycles/{cycleId}/attendance?format=csv");
        Assert.EndsWith(",outcome,post_test_score,overridden,override_reason", exportCsv.Split('\n')[0].TrimEnd('\r'), StringComparison.Ordinal);
        Assert.Contains(exportCsv.Split('\n'), line => line.StartsWith(overridden, StringComparison.Ordinal) && line.Contains(",Certificate,80,true,Tugas dinas", StringComparison.Ordinal));
        var preview = (await world.Organizer.GetFromJsonAsync<JsonElement>($"api/cycles/{cycleId}/participants/{overridden}/timeline")).GetProperty("completion");
        Assert.Equal((true, true, "Certificate"), (preview.GetProperty("overridden").GetBoolean(), preview.GetProperty("meetsRule").GetBoolean(), preview.GetProperty("outcome").GetString()));

        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "Completed");

        var participants = world.Host.Services.GetRequiredService<ParticipantStore>();
        async Task<ParticipantEntity> P(string id) => (await participants.GetAsync(cycleId, id))!;
        Assert.Equal((CompletionOutcome.Certificate, 16), ((await P(full)).CompletionOutcome, (await P(full)).EarnedJp));
        var e = await P(excused);
        Assert.Equal(CompletionOutcome.Certificate, e.CompletionOutcome);
        Assert.Equal("Hadir 12 dari 16 JP; 4 JP izin disetujui; dihitung 16 JP (100%) ≥ 75%; nilai post-test 80 ≥ 70 → Lulus", e.EligibilityExplanationId);
        var s = await P(shortOf);
        Assert.Equal((CompletionOutcome.Letter, false, null), (s.CompletionOutcome, s.Eligible, s.CertificateNumber));
        Assert.Equal("Attended 8 of 16 JP; counted 8 JP (50%) < 75%; post-test score 80 ≥ 70 → Letter of participation", s.EligibilityExplanation);
        var o = await P(overridden);
        Assert.Equal(CompletionOutcome.Certificate, o.CompletionOutcome);
        Assert.Contains("diputuskan panitia: Tugas dinas dari Gubernur (surat terlampir) → Lulus", o.EligibilityExplanationId, StringComparison.Ordinal);
        var low = await P(lowScore);
        Assert.Equal(CompletionOutcome.Letter, low.CompletionOutcome);
        Assert.Contains("nilai post-test 65,5 < 70", low.EligibilityExplanationId, StringComparison.Ordinal);
        Assert.NotNull(e.CertificateNumber);
        Assert.NotNull(o.CertificateNumber);
        Assert.Null(low.CertificateNumber);

        // Letters: their own numbering, stored, downloadable by the organizer, verifiable in public.
        var letters = world.Host.Services.GetRequiredService<TrainingCycles.Certificates.Letters.LetterIssuer>();
        var letterOfShort = await letters.GetAsync(cycleId, shortOf);
        var letterOfLow = await letters.GetAsync(cycleId, lowScore);
        Assert.NotNull(letterOfShort?.Sha256);
        Assert.NotNull(letterOfLow?.Sha256);
        Assert.Null(await letters.GetAsync(cycleId, full));
        Assert.Equal(2, new[] { letterOfShort!.Number, letterOfLow!.Number }.Distinct().Count());
        Assert.All(new[] { letterOfShort.Number, letterOfLow.Number }, number => Assert.Matches("^00[12]/SKTM/20[0-9]{2}$", number));
        var download = await world.Organizer.GetAsync($"api/cycles/{cycleId}/participants/{shortOf}/letter");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var pdf = await download.Content.ReadAsByteArrayAsync();
        Assert.Equal(letterOfShort.Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(pdf)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Http.GetAsync($"api/cycles/{cycleId}/participants/{shortOf}/letter")).StatusCode);

        // The participant's own letter, from their manage page, through the function with their manage link.
        var tokens = world.Host.Services.GetRequiredService<Tokens>();
        string Manage(string id) => Uri.EscapeDataString(tokens.Create(TokenPurpose.Manage, cycleId, id, DateTimeOffset.UtcNow.AddDays(7)));
        var managePage = await world.Http.GetStringAsync($"api/cycles/{cycleId}/register?manage={Manage(shortOf)}");
        Assert.Contains("id=\"letter-link\"", managePage, StringComparison.Ordinal);
        Assert.Contains("<title>Surat keterangan Anda", managePage, StringComparison.Ordinal); // not "Sertifikat Anda": they hold a letter
        Assert.DoesNotContain("id=\"letter-link\"", await world.Http.GetStringAsync($"api/cycles/{cycleId}/register?manage={Manage(full)}"), StringComparison.Ordinal);
        var mine = await world.Http.GetAsync($"api/cycles/{cycleId}/my-letter?t={Manage(shortOf)}");
        Assert.Equal((HttpStatusCode.OK, "application/pdf"), (mine.StatusCode, mine.Content.Headers.ContentType?.MediaType));
        Assert.Equal(letterOfShort.Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await mine.Content.ReadAsByteArrayAsync())));
        Assert.Equal(HttpStatusCode.NotFound, (await world.Http.GetAsync($"api/cycles/{cycleId}/my-letter?t={Manage(full)}")).StatusCode); // a certificate, no letter
        Assert.Equal(HttpStatusCode.Forbidden, (await world.Http.GetAsync($"api/cycles/{cycleId}/my-letter?t=forged")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await world.Http.GetAsync($"api/cycles/other/my-letter?t={Manage(shortOf)}")).StatusCode);
        var verify = await world.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/verify/letters/{letterOfShort.VerificationCode}") { Headers = { { "Accept", "application/json" } } });
        var verified = await verify.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("valid", letterOfShort.Number), (verified.GetProperty("status").GetString(), verified.GetProperty("letterNumber").GetString()));
        Assert.False(verified.TryGetProperty("nip", out _));

        foreach (var sheetUrl in new[] { $"api/cycles/{cycleId}/attendance-sheets?session=s2", $"api/cycles/{cycleId}/attendance-sheets" })
        {
            var sheet = await world.Organizer.GetAsync(sheetUrl);
            Assert.Equal(HttpStatusCode.OK, sheet.StatusCode);
            using var read = UglyToad.PdfPig.PdfDocument.Open(await sheet.Content.ReadAsByteArrayAsync());
            var words = string.Join(" ", read.GetPages().SelectMany(pg => pg.GetWords()).Select(w => w.Text));
            Assert.Contains(nips[excused], words, StringComparison.Ordinal);
            Assert.Contains(sheetUrl.Contains("session", StringComparison.Ordinal) ? "izin" : "Surat keterangan", words, StringComparison.Ordinal);
        }

        var audit = await world.Host.Services.GetRequiredService<AuditLog>().ReadAsync(cycleId, overridden);
        Assert.Contains(audit, a => a.Action == "completion.override" && a.Details!.Contains("Tugas dinas", StringComparison.Ordinal));

        // After completion an override re-decides at once and the certificate follows as workflow work.
        var late = await world.Organizer.PutAsJsonAsync($"api/cycles/{cycleId}/participants/{lowScore}/completion-override", new { outcome = "Certificate", reason = "Remedial diulang, nilai 75" });
        var body = await late.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.Equal("Certificate", body.GetProperty("completion")[0].GetProperty("outcome").GetString());
        Assert.True(body.GetProperty("certificates").GetProperty("scheduled").GetBoolean());
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await P(lowScore)).CertificateNumber is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Assert.NotNull((await P(lowScore)).CertificateNumber);
        while ((await letters.GetAsync(cycleId, lowScore))!.Status != TrainingCycles.Certificates.Letters.LetterStatus.Revoked && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        // Exactly the changed person: their letter is revoked (the certificate replaces it); the other letter stays.
        Assert.Equal(TrainingCycles.Certificates.Letters.LetterStatus.Revoked, (await letters.GetAsync(cycleId, lowScore))!.Status);
        Assert.Equal(TrainingCycles.Certificates.Letters.LetterStatus.Valid, (await letters.GetAsync(cycleId, shortOf))!.Status);
        var revoked = await world.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/verify/letters/{letterOfLow.VerificationCode}") { Headers = { { "Accept", "application/json" } } });
        Assert.Equal("revoked", (await revoked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }
}
