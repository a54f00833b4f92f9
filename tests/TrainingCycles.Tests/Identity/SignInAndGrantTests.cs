using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Configuration;
using TrainingCycles.Attendance;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Identity;
using TrainingCycles.Registration;
using TrainingCycles.Tests.Attendance;
using TrainingCycles.Tests.Reliability;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Identity;

public sealed class SignInAndGrantTests
{
    private static string Principal(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json));

    private const string AdminPrincipalJson = """{"auth_typ":"aad","claims":[{"typ":"http://schemas.microsoft.com/identity/claims/objectidentifier","val":"forged-1"},{"typ":"preferred_username","val":"admin@bpsdm.kalteng.example"},{"typ":"name","val":"Forger"}]}""";

    [Fact]
    public async Task APrincipalHeaderSentByAClientIsStrippedByTheDevHostAndTheEmulatorsCookieIsWhoSignedIn()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var forged = await Fuzz.SendAsync(world.Http, HttpMethod.Get, "api/me", headers:
        [
            ("X-MS-CLIENT-PRINCIPAL", Principal(AdminPrincipalJson)), ("X-MS-CLIENT-PRINCIPAL-ID", "forged-1"),
            ("X-MS-CLIENT-PRINCIPAL-NAME", People.FirstAdministrator), ("X-MS-CLIENT-PRINCIPAL-IDP", "aad"),
        ]);
        var grants = await Fuzz.SendAsync(world.Http, HttpMethod.Get, "api/access/grants", headers: [("X-MS-CLIENT-PRINCIPAL", Principal(AdminPrincipalJson))]);

        Assert.Equal(401, forged.Code);
        Assert.Equal("sign_in_required", JsonDocument.Parse(forged.Body).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(401, grants.Code);

        // Signed in through the emulator, a person who also sends a forged header for someone else is still themselves.
        using var person = await People.SignInAsync(world, "budi.santoso@kalteng.example", "Budi Santoso");
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/me");
        request.Headers.Add("X-MS-CLIENT-PRINCIPAL", Principal(AdminPrincipalJson));
        var me = JsonDocument.Parse(await (await person.SendAsync(request)).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("budi.santoso@kalteng.example", me.GetProperty("user").GetProperty("email").GetString());
        Assert.Equal("Budi Santoso", me.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal("easyauth", me.GetProperty("user").GetProperty("method").GetString());
        Assert.Empty(me.GetProperty("grants").EnumerateArray());
        Assert.Equal(HttpStatusCode.Forbidden, (await person.GetAsync("api/access/grants")).StatusCode);

        var emulated = JsonDocument.Parse(await person.GetStringAsync(".auth/me")).RootElement.GetProperty("clientPrincipal");
        Assert.Equal("budi.santoso@kalteng.example", emulated.GetProperty("userDetails").GetString());
        var logout = await person.GetAsync(".auth/logout");
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await person.GetAsync("api/me")).StatusCode);
    }

    [Theory]
    [InlineData("%%%not base64%%%")]
    [InlineData("bm90IGpzb24=")] // "not json"
    [InlineData("W10=")] // []
    [InlineData("eyJhdXRoX3R5cCI6ImFhZCJ9")] // {"auth_typ":"aad"} without claims
    [InlineData("eyJhdXRoX3R5cCI6ImFhZCIsImNsYWltcyI6W3sidHlwIjoibmFtZSIsInZhbCI6Ik5vIElkIn1dfQ==")] // claims without an object id
    [InlineData("eyJjbGFpbXMiOlt7InR5cCI6Im9pZCIsInZhbCI6ImEvYiJ9XX0=")] // an object id with a slash
    public async Task AMalformedPrincipalWhereThePlatformIsTrustedIs401NotA500(string header)
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        // As on Azure with authentication on: the header reaches the app (the dev host would have stripped a client's copy).
        var gate = world.Host.Services.GetRequiredService<AccessGate>();
        var context = new DefaultHttpContext { RequestServices = world.Host.Services };
        context.Request.Headers["X-MS-CLIENT-PRINCIPAL"] = header;

        var answer = await gate.CheckAsync(context.Request, new RequiresAttribute(Permission.SignedIn), _ => null, CancellationToken.None);

        var result = Assert.IsType<ObjectResult>(answer);
        Assert.Equal(401, result.StatusCode);
        Assert.Null(RequestCaller.Of(context.Request));
        Assert.Equal(CallerResult.Refused("invalid_principal"), EasyAuthPrincipalSource.Parse(header));
    }

    [Fact]
    public async Task APrincipalHeaderIsIgnoredWhereThePlatformDoesNotSetIt()
    {
        var off = new EasyAuthPrincipalSource(new ConfigurationBuilder().Build());
        var on = new EasyAuthPrincipalSource(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["WEBSITE_AUTH_ENABLED"] = "True" }).Build());
        var context = new DefaultHttpContext();
        context.Request.Headers["X-MS-CLIENT-PRINCIPAL"] = Principal(AdminPrincipalJson);

        Assert.Equal(CallerResult.NotPresented, await off.AuthenticateAsync(context.Request, CancellationToken.None));
        var user = (await on.AuthenticateAsync(context.Request, CancellationToken.None)).User;
        Assert.Equal(new AuthenticatedUser("aad:forged-1", "Forger", "admin@bpsdm.kalteng.example", "easyauth"), user);
    }

    [Fact]
    public async Task TheAutomationKeyIsANamedServiceIdentityInTheHeaderOnlyNeverInTheUrl()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var me = JsonDocument.Parse(await world.Organizer.GetStringAsync("api/me")).RootElement;
        var inUrl = await Fuzz.SendAsync(world.Http, HttpMethod.Get, "api/cycles?code=" + Uri.EscapeDataString(world.Host.FunctionKey));
        var bothKeyAndUrl = await Fuzz.SendAsync(world.Organizer, HttpMethod.Get, "api/cycles?code=x");
        var wrong = await Fuzz.SendAsync(world.Http, HttpMethod.Get, "api/cycles", headers: [("x-functions-key", world.Host.FunctionKey + "x")]);

        Assert.Equal("service:devhost-automation", me.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("service", me.GetProperty("user").GetProperty("method").GetString());
        Assert.Equal("administrator", me.GetProperty("grants")[0].GetProperty("role").GetString());
        Assert.Equal(401, inUrl.Code);
        Assert.Contains("key_in_url", inUrl.Body, StringComparison.Ordinal);
        Assert.Equal(401, bothKeyAndUrl.Code);
        Assert.Equal(401, wrong.Code);
        Assert.Contains("invalid_key", wrong.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServiceIdentityHasItsOwnRoleAndScope()
    {
        const string key = "viewer-automation-key-0123456789";
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycle = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        await using var scoped = await TestWorld.StartAsync(DurableBackend.InMemory, reuseId: world.Id, settings: new Dictionary<string, string?>
        {
            ["TrainingCycles__ServiceIdentities__0__Name"] = "reports-export",
            ["TrainingCycles__ServiceIdentities__0__KeyHash"] = ServiceKeySource.HashOf(key),
            ["TrainingCycles__ServiceIdentities__0__Role"] = "viewer",
            ["TrainingCycles__ServiceIdentities__0__Scope"] = cycle,
        });
        scoped.Http.DefaultRequestHeaders.Add("x-functions-key", key);

        Assert.Equal(HttpStatusCode.OK, (await scoped.Http.GetAsync($"api/cycles/{cycle}/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await scoped.Http.GetAsync($"api/cycles/{cycle}/participants")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await scoped.Http.PostAsync($"api/cycles/{cycle}/cancel", null)).StatusCode);
        Assert.Equal("service:reports-export", JsonDocument.Parse(await scoped.Http.GetStringAsync("api/me")).RootElement.GetProperty("user").GetProperty("id").GetString());
    }

    [Fact]
    public async Task ACoordinatorSeesOnlyTheirAgencysPeopleInTheirCycle()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycle = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        var other = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        await CycleApi.ImportCsvAsync(world.Organizer, cycle, "email,nama,instansi\nkapuas1@example.org,Ani Kapuas,Dinas Sosial Kab. Kapuas\nkapuas2@example.org,Budi Kapuas,dinas sosial  kab. kapuas\nkatingan@example.org,Citra Katingan,Dinas Sosial Kab. Katingan\n");
        await CycleApi.ImportCsvAsync(world.Organizer, other, "email,nama,instansi\nkapuas3@example.org,Dedi Kapuas,Dinas Sosial Kab. Kapuas\n");
        await People.GrantAsync(world, "koordinator@kapuas.example", Roles.Coordinator, cycle, agency: "Dinas Sosial Kab. Kapuas");
        using var coordinator = await People.SignInAsync(world, "koordinator@kapuas.example");

        var list = JsonDocument.Parse(await coordinator.GetStringAsync($"api/cycles/{cycle}/participants")).RootElement;
        var csv = await coordinator.GetStringAsync($"api/cycles/{cycle}/participants?format=csv");
        var searchOther = JsonDocument.Parse(await coordinator.GetStringAsync($"api/cycles/{cycle}/participants?search=Katingan")).RootElement;
        var katingan = (await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycle)).Single(p => p.FullName == "Citra Katingan");

        Assert.Equal(["Ani Kapuas", "Budi Kapuas"], list.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("fullName").GetString()).Order());
        Assert.Contains("Ani Kapuas", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("Katingan", csv, StringComparison.Ordinal);
        Assert.Equal(0, searchOther.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.Forbidden, (await coordinator.GetAsync($"api/cycles/{other}/participants")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await coordinator.GetAsync($"api/cycles/{cycle}/participants/{katingan.RowKey}/timeline")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await coordinator.PostAsJsonAsync($"api/cycles/{cycle}/participants/{katingan.RowKey}/remove", new { reason = "x" })).StatusCode);
        Assert.Equal(ParticipantStatus.Invited, (await world.Host.Services.GetRequiredService<ParticipantStore>().GetAsync(cycle, katingan.RowKey))!.Status);
    }

    [Fact]
    public async Task AnInstructorMarksAndSeesOnlyTheSessionTheyTeach()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];
        w.Clock.Now = w.Session("s2").StartsAt.AddMinutes(20);
        await People.GrantAsync(w.World, "widyaiswara@bpsdm.kalteng.example", Roles.Instructor, w.CycleId, "s1");
        using var instructor = await People.SignInAsync(w.World, "widyaiswara@bpsdm.kalteng.example", "Ir. Wahyu Widyaiswara");
        var marks = new { marks = new[] { new { participantId = id, status = "Present" } } };

        var other = await instructor.PutAsJsonAsync($"api/cycles/{w.CycleId}/sessions/s2/attendance", marks);
        var otherView = await instructor.GetAsync($"api/cycles/{w.CycleId}/sessions/s2/attendance");
        var otherScreen = await instructor.PostAsync($"api/cycles/{w.CycleId}/sessions/s2/code-screen", null);
        var export = await instructor.GetAsync($"api/cycles/{w.CycleId}/attendance");
        var own = await instructor.PutAsJsonAsync($"api/cycles/{w.CycleId}/sessions/s1/attendance", marks);
        var ownView = await instructor.GetAsync($"api/cycles/{w.CycleId}/sessions/s1/attendance");

        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        var error = JsonDocument.Parse(await other.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("forbidden", error.GetProperty("code").GetString());
        Assert.Contains("sesi", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("session", error.GetProperty("messageEn").GetString(), StringComparison.Ordinal);
        Assert.Null(await w.MarkAsync("s2", id));
        Assert.Equal(HttpStatusCode.Forbidden, otherView.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherScreen.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, export.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ownView.StatusCode);
        Assert.NotNull(await w.MarkAsync("s1", id));
    }

    [Fact]
    public async Task ARevokedGrantStopsWorkingOnTheNextRequestOnEveryInstance()
    {
        await using var one = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycle = (await CycleApi.CreateAsync(one.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        // A second instance over the same tables (another app instance behind the same front end).
        await using var two = await TestWorld.StartAsync(DurableBackend.InMemory, reuseId: one.Id);
        var grantId = await People.GrantAsync(one, "panitia@bpsdm.kalteng.example", Roles.Organizer, cycle);
        using var onOne = await People.SignInAsync(one, "panitia@bpsdm.kalteng.example");
        using var onTwo = await People.SignInAsync(two, "panitia@bpsdm.kalteng.example");
        Assert.Equal(HttpStatusCode.OK, (await onOne.GetAsync($"api/cycles/{cycle}/participants")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await onTwo.GetAsync($"api/cycles/{cycle}/participants")).StatusCode);

        var revoke = await one.Organizer.DeleteAsync($"api/access/grants/{grantId}");

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await onTwo.GetAsync($"api/cycles/{cycle}/participants")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await onOne.GetAsync($"api/cycles/{cycle}/participants")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await two.Organizer.DeleteAsync($"api/access/grants/{grantId}")).StatusCode);
        var audit = await one.Host.Services.GetRequiredService<TrainingCycles.Infrastructure.AuditLog>().ReadAsync(cycle);
        Assert.Contains(audit, e => e.Action == "access.granted" && e.ActorId == "service:devhost-automation" && e.After!.Contains("\"role\"", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.Action == "access.revoked");
    }

    [Fact]
    public async Task GrantsNameWhoGrantedThemAndRefuseWhatDoesNotFitTheRole()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycle = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        using var admin = await People.SignInAsync(world, People.FirstAdministrator, "Kepala Bidang");
        var bad = new object[]
        {
            new { user = "not an email", role = "organizer" },
            new { user = "a@example.org", role = "superuser" },
            new { user = "a@example.org", role = "instructor", cycleId = cycle },
            new { user = "a@example.org", role = "coordinator", cycleId = cycle },
            new { user = "a@example.org", role = "administrator", cycleId = cycle },
            new { user = "a@example.org", role = "organizer", cycleId = "cxxxxxxxxxxxxxxxxxxxx" },
            new { user = "a@example.org", role = "instructor", cycleId = cycle, sessionId = "s9" },
            new { user = "a@example.org", role = "viewer", agency = "Dinas" },
            new { user = "a/b@example.org", role = "viewer" },
        };
        foreach (var body in bad)
        {
            var answer = await admin.PostAsJsonAsync("api/access/grants", body);
            Assert.True(answer.StatusCode == HttpStatusCode.UnprocessableEntity, $"{JsonSerializer.Serialize(body)} answered {(int)answer.StatusCode}");
        }

        Assert.Empty(JsonDocument.Parse(await admin.GetStringAsync("api/access/grants")).RootElement.GetProperty("items").EnumerateArray());
        var first = await admin.PostAsJsonAsync("api/access/grants", new { user = "Panitia@BPSDM.kalteng.example", role = "Organizer", cycleId = cycle });
        var again = await admin.PostAsJsonAsync("api/access/grants", new { user = "panitia@bpsdm.kalteng.example", role = "organizer", cycleId = cycle });
        var grant = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("grant");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("email:panitia@bpsdm.kalteng.example", grant.GetProperty("subject").GetString());
        Assert.Equal("Kepala Bidang", grant.GetProperty("grantedByName").GetString());
        Assert.StartsWith("aad:", grant.GetProperty("grantedBy").GetString(), StringComparison.Ordinal);
        Assert.True(grant.GetProperty("grantedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Single(JsonDocument.Parse(await admin.GetStringAsync("api/access/grants")).RootElement.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task ASignedInOrganizerNeedNotNameThemselvesButAutomationStillMust()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycle = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        await CycleApi.ImportCsvAsync(world.Organizer, cycle, "email,nama\nsatu@example.org,Peserta Satu\n");
        var participant = Assert.Single(await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycle));
        await People.GrantAsync(world, "rina@bpsdm.kalteng.example", Roles.Organizer, cycle);
        using var rina = await People.SignInAsync(world, "rina@bpsdm.kalteng.example", "Rina Panitia");

        var byKey = await world.Organizer.PostAsJsonAsync($"api/cycles/{cycle}/participants/{participant.RowKey}/remove", new { reason = "ganda" });
        var byPerson = await rina.PostAsJsonAsync($"api/cycles/{cycle}/participants/{participant.RowKey}/remove", new { reason = "ganda" });

        Assert.Equal(HttpStatusCode.BadRequest, byKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byPerson.StatusCode);
        var audit = await world.Host.Services.GetRequiredService<TrainingCycles.Infrastructure.AuditLog>().ReadAsync(cycle);
        Assert.Contains(audit, e => e.Action == "participant.removed" && e.Actor == "Rina Panitia" && e.ActorMethod != "service" && e.Details!.EndsWith("ganda", StringComparison.Ordinal));
    }
}
