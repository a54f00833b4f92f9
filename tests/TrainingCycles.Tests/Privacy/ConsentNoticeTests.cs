using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Privacy;

/// <summary>#23 item 1: one versioned privacy notice per cycle, on every form, stored with the consent, and in the invitation.</summary>
public sealed partial class ConsentNoticeTests
{
    [Fact]
    public void TheNoticeComesFromTheCatalogUnlessTheCycleSetsItAndItsVersionChangesExactlyWhenTheTextDoes()
    {
        var plain = new CycleDefinition { OrganizerName = "BPSDM Provinsi Kalimantan Tengah" };
        var notice = ConsentNotice.For(plain);
        Assert.Equal(Text.Get("id", nameof(Texts.Reg_Form_ConsentPurpose), "BPSDM Provinsi Kalimantan Tengah"), notice.Purpose("id"));
        Assert.Equal(Text.Get("en", nameof(Texts.Privacy_Notice_Retention)), notice.Retention("en"));
        Assert.Matches("^v-[0-9a-f]{12}$", notice.Version);

        // Same text → same version (every instance computes it); another organizer or one changed word → a new one.
        Assert.Equal(notice.Version, ConsentNotice.For(plain with { Title = "another title" }).Version);
        Assert.NotEqual(notice.Version, ConsentNotice.For(plain with { OrganizerName = "BPSDM Kabupaten Kapuas" }).Version);
        var own = plain with { Privacy = new PrivacySettings { Retention = "Data disimpan 2 tahun setelah pelatihan." } };
        Assert.Equal("Data disimpan 2 tahun setelah pelatihan.", ConsentNotice.For(own).Retention("id"));
        Assert.Equal(notice.RetentionEn, ConsentNotice.For(own).RetentionEn);
        Assert.NotEqual(notice.Version, ConsentNotice.For(own).Version);
        Assert.NotEqual(ConsentNotice.For(own).Version, ConsentNotice.For(plain with { Privacy = new PrivacySettings { Retention = "Data disimpan 3 tahun setelah pelatihan." } }).Version);
        // Blank overrides are the defaults.
        Assert.Equal(notice.Version, ConsentNotice.For(plain with { Privacy = new PrivacySettings { Purpose = "  " } }).Version);
    }

    [Fact]
    public void ReConsentingToAChangedNoticeStoresTheNewVersionAndTime()
    {
        var p = new ParticipantEntity { PartitionKey = "c1", RowKey = "p1" };
        var t0 = new DateTimeOffset(2026, 3, 1, 1, 0, 0, TimeSpan.Zero);
        var details = new RegistrantDetails("Rina", "198905172014022003", "rina@example.org", "+6281255501234", "Dinas Sosial", "kabupaten", "Seruyan", "Staf", null, "id", ConsentVersion: "v-aaaaaaaaaaaa");
        ParticipantStore.ApplyDetails(p, details, t0);
        Assert.Equal(("v-aaaaaaaaaaaa", t0), (p.ConsentVersion, p.ConsentAt));
        ParticipantStore.ApplyDetails(p, details, t0.AddDays(1));
        Assert.Equal(("v-aaaaaaaaaaaa", t0), (p.ConsentVersion, p.ConsentAt)); // same notice: the first consent stands
        ParticipantStore.ApplyDetails(p, details with { ConsentVersion = "v-bbbbbbbbbbbb" }, t0.AddDays(2));
        Assert.Equal(("v-bbbbbbbbbbbb", t0.AddDays(2)), (p.ConsentVersion, p.ConsentAt));
    }

    [Fact]
    public async Task FormsShowTheCyclesNoticeConsentStoresItsVersionAndAnImportedInviteeIsToldWhereTheirDataCameFrom()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var now = DateTimeOffset.UtcNow;

        // Too long a notice text: a bilingual field error, no cycle.
        var tooLong = CycleApi.CompressedDefinition(now, closeAfterSeconds: 600);
        tooLong["privacy"] = new JsonObject { ["purpose"] = new string('x', PrivacySettings.MaxLength + 1) };
        var refused = await world.Organizer.PostAsync("api/cycles", new StringContent(tooLong.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var error = await refused.Content.ReadAsStringAsync();
        Assert.Contains("privacy.purpose", error, StringComparison.Ordinal);
        Assert.Contains(Text.Get("en", nameof(Texts.Field_Cycle_PrivacyText), PrivacySettings.MaxLength), error, StringComparison.Ordinal);

        var definition = CycleApi.CompressedDefinition(now, closeAfterSeconds: 600);
        definition["privacy"] = new JsonObject { ["purpose"] = "Tujuan khusus siklus ini: pelatihan pekerja sosial.", ["purposeEn"] = "This cycle's own purpose: social worker training." };
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        var cycle = (await world.Host.Services.GetRequiredService<CycleStore>().GetAsync(cycleId))!;
        var version = ConsentNotice.For(cycle.Definition).Version;

        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, "email,nama\nrina.sembiring@dinsos-seruyan.example,Rina Sembiring\n");
        var invitation = await WaitForMailAsync(world, "invitation", "rina.sembiring@dinsos-seruyan.example");
        Assert.Contains("Tujuan khusus siklus ini", invitation.Text, StringComparison.Ordinal);
        Assert.Contains(Text.Get("id", nameof(Texts.Privacy_Notice_Retention)), invitation.Text, StringComparison.Ordinal);
        Assert.Contains("Pemberitahuan data pribadi", invitation.Text, StringComparison.Ordinal);
        var dataLink = DataLinkPattern().Match(invitation.Text!).Value;
        Assert.NotEmpty(dataLink);
        Assert.Contains("href=\"" + System.Net.WebUtility.HtmlEncode(dataLink) + "\"", invitation.Html, StringComparison.Ordinal);

        // The invitee's own link shows what the organizer holds (the way to object); a registration link is not a data link.
        var own = await world.Http.GetAsync(new Uri(dataLink).PathAndQuery.TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Contains("rina.sembiring@dinsos-seruyan.example", await own.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await world.Http.GetAsync($"api/cycles/{cycleId}/my-data?invite=forged")).StatusCode);

        // The registration form shows the same notice with its version; registering stores that version with the consent.
        var invite = await Forms.InviteUrlAsync(world, cycleId, "rina.sembiring@dinsos-seruyan.example");
        var (_, form) = await Forms.GetAsync(world.Http, invite);
        var shown = form.QuerySelector("#consent-purpose")!;
        Assert.Equal(version, shown.GetAttribute("data-consent-version"));
        Assert.Contains("Tujuan khusus siklus ini", shown.TextContent, StringComparison.Ordinal);
        Assert.Contains("consent-purpose", form.QuerySelector("#consent")!.GetAttribute("aria-describedby"), StringComparison.Ordinal);
        var (registered, _) = await Forms.PostAsync(world.Http, invite, Forms.ValidRegistration(email: "rina.sembiring@dinsos-seruyan.example", name: "Rina Sembiring"));
        Assert.True(registered.IsSuccessStatusCode, registered.StatusCode.ToString());
        var row = Assert.Single(await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId));
        Assert.Equal(version, row.ConsentVersion);
        Assert.NotNull(row.ConsentAt);
    }

    private static async Task<TrainingCycles.DevHost.MailSink.Delivery> WaitForMailAsync(TestWorld world, string kind, string to)
    {
        for (var i = 0; i < 200; i++)
        {
            if (world.Host.Outbox.Deliveries.LastOrDefault(d => d.CustomArgs.GetValueOrDefault("k") == kind && d.To == to) is { } delivery)
            {
                return delivery;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no '{kind}' mail to {to}");
    }

    [GeneratedRegex(@"https?://\S+/api/cycles/\S+/my-data\?invite=\S+")]
    private static partial Regex DataLinkPattern();
}
