using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Nomination;
using TrainingCycles.Tests.Nomination;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Privacy;

/// <summary>#23: a nominee who never became a participant (rejected) is exported and erased through the organizer; a participant is refused there.</summary>
public sealed class NomineeErasureTests
{
    [Fact]
    public async Task ARejectedNomineeIsExportedAndErasedWithTheirOwnLetterWhileAParticipantIsRefused()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await NominationFlowTests.CreateCycleAsync(world, capacity: 10);
        Assert.Equal(HttpStatusCode.OK, (await NominationFlowTests.PutQuotasAsync(world, cycleId, NominationFlowTests.QuotaCsv(3, 1))).StatusCode);
        var store = world.Host.Services.GetRequiredService<NominationStore>();
        var quota = QuotaIds.For("Dinas Sosial Kabupaten Kapuas");
        var coordinator = await People.SignInAsync(world, "koord.kapuas@kalteng.example");
        await NominationFlowTests.UploadAsync(coordinator, cycleId, quota, NominationRulesTests.Pdf());
        var approvedLetter = Assert.Single(await store.LettersAsync(cycleId, quota)).RowKey;
        await NominationFlowTests.UploadAsync(coordinator, cycleId, quota, NominationRulesTests.Pdf(), name: "surat-tugas-2.pdf");
        var ownLetter = (await store.LettersAsync(cycleId, quota)).Single(l => l.RowKey != approvedLetter).RowKey;
        foreach (var (i, letter) in new[] { (1, approvedLetter), (2, ownLetter) })
        {
            Assert.Equal(HttpStatusCode.SeeOther, (await coordinator.PostAsync($"api/cycles/{cycleId}/nomination/nominees?quota={quota}", new FormUrlEncodedContent(NominationFlowTests.Nominee(i, letter)))).StatusCode);
        }

        var nominees = await store.NomineesAsync(cycleId);
        var approved = nominees.Single(n => n.Nip == Forms.Nip(1));
        var rejected = nominees.Single(n => n.Nip == Forms.Nip(2));
        Assert.Equal(HttpStatusCode.OK, (await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{approved.RowKey}/decision", new { decision = "approve" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{rejected.RowKey}/decision", new { decision = "reject", reason = "Bukan pekerja sosial" })).StatusCode);
        var letters = world.Host.Services.GetRequiredService<StorageAccount>().Blobs.GetBlobContainerClient(NominationService.LettersContainer);

        // The export carries the nominee row and names their letter.
        var export = await world.Organizer.GetAsync($"api/cycles/{cycleId}/nominees/{rejected.RowKey}/personal-data");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var exported = await export.Content.ReadAsStringAsync();
        Assert.Contains(Forms.Nip(2), exported, StringComparison.Ordinal);
        Assert.Contains(ownLetter, exported, StringComparison.Ordinal);

        // Bad requests change nothing; the approved one is a participant: their participation's erasure is the way.
        Assert.Equal(HttpStatusCode.BadRequest, (await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{rejected.RowKey}/erase", new { actor = "Panitia BPSDM", reason = "because" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{rejected.RowKey}/erase", new { })).StatusCode); // the automation key names no person
        Assert.Equal(HttpStatusCode.NotFound, (await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/n-nobody/erase", new { actor = "Panitia BPSDM" })).StatusCode);
        var participant = await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{approved.RowKey}/erase", new { actor = "Panitia BPSDM" });
        Assert.Equal(HttpStatusCode.Conflict, participant.StatusCode);
        Assert.Contains("messageEn", await participant.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await world.Organizer.GetAsync($"api/cycles/{cycleId}/nominees/{approved.RowKey}/personal-data")).StatusCode);
        Assert.Equal(Forms.Nip(2), (await store.NomineeAsync(cycleId, rejected.RowKey))!.Nip);

        var erased = await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{rejected.RowKey}/erase", new { actor = "Panitia BPSDM", reason = "request" });
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        var after = (await store.NomineeAsync(cycleId, rejected.RowKey))!;
        Assert.Equal(("", "", "", ""), (after.FullName, after.Nip, after.Email, after.Phone));
        Assert.Equal(NomineeStatus.Rejected, after.Status); // the row stays, counted, nameless
        Assert.False((await letters.GetBlobClient(NominationService.LetterBlobName(cycleId, ownLetter)).ExistsAsync()).Value);
        Assert.True((await letters.GetBlobClient(NominationService.LetterBlobName(cycleId, approvedLetter)).ExistsAsync()).Value);
        Assert.Equal(Forms.Nip(1), (await store.NomineeAsync(cycleId, approved.RowKey))!.Nip);
        var entry = Assert.Single(await world.Host.Services.GetRequiredService<AuditLog>().ReadAsync(cycleId), e => e.Action == "privacy.nominee-erased");
        Assert.Contains("nomination=", entry.Details, StringComparison.Ordinal);
        Assert.DoesNotContain(Forms.Nip(2), entry.Details, StringComparison.Ordinal);

        // Again: nothing left to erase, and the export finds no value of theirs.
        var again = await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{rejected.RowKey}/erase", new { actor = "Panitia BPSDM" });
        Assert.Empty(JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement.GetProperty("erased").EnumerateObject());
        Assert.DoesNotContain(Forms.Nip(2), await (await world.Organizer.GetAsync($"api/cycles/{cycleId}/nominees/{rejected.RowKey}/personal-data")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
