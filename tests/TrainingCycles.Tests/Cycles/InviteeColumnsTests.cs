using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Cycles;

/// <summary>
/// Invitee import columns (issue #16): the registration form's agency level, regency, position and rank are imported
/// and prefill the form; headers work in both languages; unused columns are named; each refused row says whose row
/// and which value.
/// </summary>
public sealed class InviteeColumnsTests
{
    private static readonly DateOnly Today = new(2026, 12, 1);

    private const string Indonesian =
        "email;nama;nip;telepon;instansi;tingkat instansi;kabupaten/kota;jabatan;pangkat/golongan;bahasa;catatan\n" +
        "siti.aminah@example.org;Dr. Siti Aminah, S.Sos.;198503122010012005;0812-3456-7890;Dinas Sosial Kabupaten Kapuas;kabupaten;Kabupaten Kapuas;Pekerja Sosial Ahli Pertama;Penata Muda (III/a);id;datang hari kedua\n";

    private const string English =
        "Email,Name,NIP,Phone,Agency,Agency level,Regency,Position,Rank,Language,Notes\n" +
        "siti.aminah@example.org,\"Dr. Siti Aminah, S.Sos.\",198503122010012005,0812-3456-7890,Dinas Sosial Kabupaten Kapuas,regency,kapuas,Pekerja Sosial Ahli Pertama,Penata Muda (III/a),id,arrives on day two\n";

    [Theory]
    [InlineData(Indonesian, "catatan")]
    [InlineData(English, "Notes")]
    public void TheRegistrationFormsColumnsAreImportedUnderIndonesianOrEnglishHeadersAndUnusedOnesAreNamed(string csv, string ignored)
    {
        var parse = InviteeImport.ParseCsv(csv, Today, null);

        Assert.Empty(parse.Errors);
        var row = Assert.Single(parse.Rows);
        Assert.Equal(("kabupaten", "Kapuas", "Pekerja Sosial Ahli Pertama", "Penata Muda (III/a)"), (row.AgencyLevel, row.Regency, row.Position, row.Rank));
        Assert.Equal(("Dr. Siti Aminah, S.Sos.", "198503122010012005", "+6281234567890", "Dinas Sosial Kabupaten Kapuas"), (row.FullName, row.Nip, row.Phone, row.Agency));
        Assert.Equal([ignored], parse.IgnoredColumns);
    }

    [Fact]
    public void JsonTakesTheSameColumnsAndNamesUnknownProperties()
    {
        var parse = InviteeImport.ParseJson("""[{"email":"a@example.org","fullName":"A","agencyLevel":"kota","regency":"Palangka Raya","jabatan":"Analis","golongan":"III/b","hobby":"x"}]""", Today, null);

        var row = Assert.Single(parse.Rows);
        Assert.Equal(("kota", "Kota Palangka Raya", "Analis", "III/b"), (row.AgencyLevel, row.Regency, row.Position, row.Rank));
        Assert.Equal(["hobby"], parse.IgnoredColumns);
    }

    [Fact]
    public void EachRefusedRowNamesThePersonAndTheRefusedValue()
    {
        var csv = "email,nama,nip,tingkat instansi,kabupaten/kota\n" +
                  "budi@example.org,Budi Santoso,198503122010010005,kabupaten,Kapuas\n" +
                  "rina@example.org,Rina Wati,,desa,Kapuas\n" +
                  "andi@example.org,,,provinsi,Jakarta Selatan\n";

        var parse = InviteeImport.ParseCsv(csv, Today, null);

        Assert.Empty(parse.Rows);
        Assert.Collection(parse.Errors,
            e => Assert.Equal((2, "nip", "Budi Santoso", "198503122010010005"), (e.Line, e.Field, e.Name, e.Value)),
            e => Assert.Equal((3, "agencyLevel", "Rina Wati", "desa"), (e.Line, e.Field, e.Name, e.Value)),
            e => Assert.Equal((4, "regency", "andi@example.org", "Jakarta Selatan"), (e.Line, e.Field, e.Name, e.Value)));
        Assert.All(parse.Errors, e => Assert.False(string.IsNullOrEmpty(e.Message) || string.IsNullOrEmpty(e.MessageEn)));
    }

    [Fact]
    public async Task ImportedColumnsPrefillTheInviteesFormAndTheAnswersSayWhatWasIgnoredAndWhatWasRefused()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;

        var refused = await world.Organizer.PostAsync($"api/cycles/{cycleId}/invitees", new StringContent("email,nama,tingkat instansi\nbudi@example.org,Budi Santoso,desa\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var detail = Assert.Single((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("details").EnumerateArray());
        Assert.Equal(("Budi Santoso", "desa", "agencyLevel"), (detail.GetProperty("name").GetString(), detail.GetProperty("value").GetString(), detail.GetProperty("field").GetString()));

        var answer = await CycleApi.ImportCsvAsync(world.Organizer, cycleId, Indonesian);
        Assert.Equal(1, answer.GetProperty("imported").GetInt32());
        Assert.Equal(["catatan"], answer.GetProperty("ignoredColumns").EnumerateArray().Select(c => c.GetString()));

        var invitee = Assert.Single(await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId));
        var token = world.Host.Services.GetRequiredService<Tokens>().Create(TokenPurpose.Invite, cycleId, invitee.RowKey, DateTimeOffset.UtcNow.AddDays(1));
        var (ok, page) = await Forms.GetAsync(world.Http, $"api/cycles/{cycleId}/register?invite={Uri.EscapeDataString(token)}");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.NotNull(page.QuerySelector("#agencyLevel-kabupaten[checked]"));
        Assert.Equal("Kapuas", page.QuerySelector("#regency option[selected]")?.TextContent);
        Assert.Equal("Pekerja Sosial Ahli Pertama", page.QuerySelector("#position")!.GetAttribute("value"));
        Assert.Equal("Penata Muda (III/a)", page.QuerySelector("#rank")!.GetAttribute("value"));
    }
}
