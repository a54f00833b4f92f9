using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using TrainingCycles.Attendance;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Tests.Certificates;
using TrainingCycles.Tests.Support;
using Xunit.Abstractions;

namespace TrainingCycles.Tests.Reliability;

/// <summary>
/// One world with something behind every door: an open cycle with a registrant (manage and check-in links), an
/// invite-only cycle with an invitee (invite link), and a cycle with an issued certificate (download link, verify code).
/// </summary>
public sealed class AccessWorld : IAsyncLifetime
{
    public TestWorld World { get; private set; } = null!;

    public string OpenCycle { get; private set; } = "";

    public ParticipantEntity Registrant { get; private set; } = null!;

    public string InviteOnlyCycle { get; private set; } = "";

    public ParticipantEntity Invitee { get; private set; } = null!;

    public CertificateEntity Certificate { get; private set; } = null!;

    public CertificateEntity OtherCertificate { get; private set; } = null!;

    public Tokens Tokens => World.Host.Services.GetRequiredService<Tokens>();

    public async Task InitializeAsync()
    {
        World = await TestWorld.StartAsync(DurableBackend.InMemory, new Dictionary<string, string?> { ["TrainingCycles__FormPostsPerMinute"] = "100000" });
        var now = DateTimeOffset.UtcNow;
        OpenCycle = (await CycleApi.CreateAsync(World.Organizer, CycleApi.CompressedDefinition(now, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        var (response, _) = await Forms.PostAsync(World.Http, $"api/cycles/{OpenCycle}/register", Forms.ValidRegistration(nip: "197912242006041007", email: "rahasia.registrant@example.org", name: "Rahasia Registranti"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var store = World.Host.Services.GetRequiredService<ParticipantStore>();
        Registrant = Assert.Single(await store.ListAsync(OpenCycle));

        InviteOnlyCycle = (await CycleApi.CreateAsync(World.Organizer, CycleApi.CompressedDefinition(now, closeAfterSeconds: 3600, inviteOnly: true))).GetProperty("cycleId").GetString()!;
        await CycleApi.ImportCsvAsync(World.Organizer, InviteOnlyCycle, "email,nama\nrahasia.invitee@example.org,Rahasia Undangan\n");
        Invitee = Assert.Single(await store.ListAsync(InviteOnlyCycle));

        var certificateCycle = await CertificateSetup.NewCycleAsync(World);
        await CertificateSetup.AddEligibleAsync(World, certificateCycle, ["Rahasia Pemegang", "Pemegang Lain"]);
        var issued = await CertificateSetup.IssueAsync(World, certificateCycle);
        Certificate = issued[0];
        OtherCertificate = issued[1];
    }

    public string Token(string purpose, string cycleId, string subject, TimeSpan? lifetime = null) =>
        Tokens.Create(purpose, cycleId, subject, DateTimeOffset.UtcNow + (lifetime ?? TimeSpan.FromDays(1)));

    public async Task DisposeAsync() => await World.DisposeAsync();
}

/// <summary>
/// Nobody gets in without the right key or link: every keyed route in functions.metadata refuses a missing, wrong
/// or misplaced key; every personal link refuses missing, expired, tampered, wrong-purpose and other people's tokens;
/// ids and codes cannot be guessed or told apart from non-existent ones.
/// </summary>
public sealed partial class AccessTests(AccessWorld fixture, ITestOutputHelper output) : IClassFixture<AccessWorld>
{
    private string Sample(string route) => route
        .Replace("{cycleId}", fixture.Certificate.PartitionKey, StringComparison.Ordinal)
        .Replace("{sessionId}", "s1", StringComparison.Ordinal)
        .Replace("{participantId}", fixture.Certificate.ParticipantId, StringComparison.Ordinal)
        .Replace("{certificateId}", fixture.Certificate.RowKey, StringComparison.Ordinal)
        .Replace("{code}", fixture.Certificate.VerificationCode, StringComparison.Ordinal);

    [Fact]
    public async Task EveryKeyedRouteRefusesAMissingWrongOrMisplacedKey()
    {
        var world = fixture.World;
        var key = world.Host.FunctionKey;
        // Organizer routes are the ones that declare what they need ([Requires]); the app's access gate guards them.
        var keyed = FunctionCatalog.Load().Functions.Where(f => f.Kind == FunctionKind.Http && TrainingCycles.Identity.AccessGate.RequirementOf(f.Method) is not null).ToList();
        var attempts = new (string Name, Func<string, (string Url, (string, string)[] Headers)> Make)[]
        {
            ("no key", url => (url, [])),
            ("wrong key in x-functions-key", url => (url, [("x-functions-key", "not-the-key")])),
            ("wrong key in ?code=", url => (url + "?code=not-the-key", [])),
            ("the right key in ?code= (no secret in a URL)", url => (url + "?code=" + Uri.EscapeDataString(key), [])),
            ("key minus its last character", url => (url, [("x-functions-key", key[..^1])])),
            ("key plus a character", url => (url, [("x-functions-key", key + "x")])),
            ("key in upper case", url => (url, [("x-functions-key", key.ToUpperInvariant() == key ? key.ToLowerInvariant() : key.ToUpperInvariant())])),
            ("key as Authorization: Bearer", url => (url, [("Authorization", "Bearer " + key)])),
            ("key as Authorization", url => (url, [("Authorization", key)])),
            ("key in x-function-key", url => (url, [("x-function-key", key)])),
            ("key in x-functions-code", url => (url, [("x-functions-code", key)])),
            ("key in x-api-key", url => (url, [("x-api-key", key)])),
            ("key in a cookie", url => (url, [("Cookie", "code=" + key + "; x-functions-key=" + key)])),
            ("key as ?key=", url => (url + "?key=" + Uri.EscapeDataString(key), [])),
            ("key as ?x-functions-key=", url => (url + "?x-functions-key=" + Uri.EscapeDataString(key), [])),
            ("Easy Auth principal header alone", url => (url, [("X-MS-CLIENT-PRINCIPAL-NAME", "admin@kalteng.go.id"), ("X-MS-CLIENT-PRINCIPAL", Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"auth_typ\":\"aad\"}")))])),
        };
        var refused = 0;
        var problems = new List<string>();
        foreach (var function in keyed)
        {
            foreach (var method in function.HttpMethods)
            {
                var url = "api/" + Sample(function.Route);
                foreach (var (name, make) in attempts)
                {
                    var (target, headers) = make(url);
                    var answer = await Fuzz.SendAsync(world.Http, new HttpMethod(method), target, method is "POST" or "PUT" ? Fuzz.Content("{}"u8.ToArray(), "application/json") : null, headers);
                    if (answer.Status == HttpStatusCode.Unauthorized && answer.Body.Contains("\"messageEn\"", StringComparison.Ordinal))
                    {
                        refused++;
                    }
                    else
                    {
                        problems.Add($"{method} /{target} ({function.Name}) with {name}: {answer.Says}");
                    }
                }

                // Positive control: the right key in the right place opens the door.
                var open = await Fuzz.SendAsync(world.Http, new HttpMethod(method), url, method is "POST" or "PUT" ? Fuzz.Content("{}"u8.ToArray(), "application/json") : null, [("x-functions-key", key)]);
                if (open.Status == HttpStatusCode.Unauthorized)
                {
                    problems.Add($"{method} /{url} ({function.Name}) refused the right key");
                }
            }
        }

        output.WriteLine($"{keyed.Count} keyed functions in functions.metadata, {attempts.Length} ways in each: {refused} refusals (401 with a bilingual error), {problems.Count} problems");
        Assert.NotEmpty(keyed);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task AnonymousRoutesAreExactlyTheParticipantAndPublicOnes()
    {
        // A new anonymous route must be a conscious choice: it is listed here and covered by the link tests below.
        string[] expected = ["EmailEvents", "ShowRegistrationForm", "SubmitRegistration", "Health", "DashboardPage", "DashboardScriptFile", "DashboardStylesFile", "DownloadCertificate", "DownloadMyLetter" /* #20: the manage link is the proof */, "VerifyCertificate", "CheckCertificateFile", "CheckIn", "SessionCodePage",
            // Email sign-in: the form, the link page (GET shows a button, POST redeems once), who is signed in, sign-out.
            "ShowSignInForm", "RequestSignInLink", "ShowSignInLink", "RedeemSignInLink", "SignInSession", "SignOut",
            // The participant's own pages behind their personal link: tests and ratings (#21), their data and consent (#23).
            "TakeTest", "RateSession", "ShowMyData", "WithdrawConsent", "AbsenceRequestPage",
            // Public verification of a letter of participation, like a certificate's (#20).
            "VerifyLetter",
            // A person's own record: the request form, the mailed link's request, the history behind the link (#22).
            "ShowRecordsRequest", "RequestRecordsLink", "ShowRecordsHistory",
            // A person's own data by a mailed link: the request form and the request (#23); like the records link, it answers the same whoever asks.
            "ShowMyDataRequest", "RequestMyDataLink",
            // Checking one's biodata before the certificate, behind the participant's own manage link (#22).
            "ShowBiodata", "SubmitBiodata",
            // A nominee accepting or declining their nomination through their own link (#19).
            "ShowNominationAnswer", "SubmitNominationAnswer"];
        var anonymous = FunctionCatalog.Load().Functions.Where(f => f.Kind == FunctionKind.Http && TrainingCycles.Identity.AccessGate.RequirementOf(f.Method) is null).Select(f => f.Name).Order(StringComparer.Ordinal).ToList();

        Assert.True(expected.Order(StringComparer.Ordinal).SequenceEqual(anonymous),
            $"anonymous but not listed: [{string.Join(", ", anonymous.Except(expected))}]; listed but not anonymous: [{string.Join(", ", expected.Except(anonymous))}]");
        // The anonymous dashboard shell carries no data.
        var shell = await Fuzz.SendAsync(fixture.World.Http, HttpMethod.Get, "api/dashboard");
        Assert.DoesNotContain("rahasia", shell.Body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(fixture.OpenCycle, shell.Body, StringComparison.Ordinal);
    }

    /// <summary>The forged variants of a valid token: expired, payload or signature changed, truncated, another purpose/cycle/subject.</summary>
    private IEnumerable<(string Name, string? Token)> Forgeries(string purpose, string cycleId, string subject, string otherCycle, string otherSubject, string wrongPurpose)
    {
        var valid = fixture.Token(purpose, cycleId, subject);
        var dot = valid.IndexOf('.', StringComparison.Ordinal);
        string Flip(string token, int at) => token[..at] + (token[at] == 'A' ? 'B' : 'A') + token[(at + 1)..];
        yield return ("missing", null);
        yield return ("empty", "");
        yield return ("expired", fixture.Token(purpose, cycleId, subject, TimeSpan.FromSeconds(-1)));
        yield return ("payload changed", Flip(valid, dot / 2));
        yield return ("signature changed", Flip(valid, dot + 5));
        yield return ("signature removed", valid[..(dot + 1)]);
        yield return ("payload only", valid[..dot]);
        yield return ("truncated", valid[..^3]);
        yield return ("another purpose", fixture.Token(wrongPurpose, cycleId, subject));
        yield return ("another cycle", fixture.Token(purpose, otherCycle, subject));
        yield return ("someone else's", fixture.Token(purpose, cycleId, otherSubject));
        yield return ("signed with another key", ForeignKeyToken(purpose, cycleId, subject));
        yield return ("garbage", "<script>alert(1)</script>");
        yield return ("overlong", valid + new string('A', 500));
    }

    private static string ForeignKeyToken(string purpose, string cycleId, string subject)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new TrainingCyclesOptions { TokenSigningKey = Convert.ToBase64String(new byte[32]) });
        return new Tokens(options, TimeProvider.System).Create(purpose, cycleId, subject, DateTimeOffset.UtcNow.AddDays(1));
    }

    private static string Q(string name, string? token) => token is null ? "" : $"?{name}={Uri.EscapeDataString(token)}";

    [Fact]
    public async Task InviteLinksRefuseEveryForgeryAndRevealNothing()
    {
        var w = fixture;
        var store = w.World.Host.Services.GetRequiredService<ParticipantStore>();
        var before = await store.GetAsync(w.InviteOnlyCycle, w.Invitee.RowKey);
        var results = new List<string>();
        foreach (var (name, token) in Forgeries(TokenPurpose.Invite, w.InviteOnlyCycle, w.Invitee.RowKey, w.OpenCycle, Ids.New("p"), TokenPurpose.CheckIn))
        {
            if (name == "someone else's")
            {
                continue; // a valid invite for a participant id that does not exist: covered by the identical-answers test
            }

            var url = $"api/cycles/{w.InviteOnlyCycle}/register" + Q("invite", token);
            var get = await Fuzz.SendAsync(w.World.Http, HttpMethod.Get, url);
            var post = await Fuzz.SendAsync(w.World.Http, HttpMethod.Post, url, Fuzz.FormContent(Forms.ValidRegistration(nip: "198707072010012003", email: "penyusup@example.org")));
            foreach (var (method, answer) in new[] { ("GET", get), ("POST", post) })
            {
                Assert.True(answer.Code == 403, $"{method} register with a {name} invite: {answer.Says}");
                Fuzz.AssertClear(answer, "register");
                Assert.DoesNotContain("rahasia", answer.Body, StringComparison.OrdinalIgnoreCase);
            }

            results.Add(name);
        }

        var after = await store.GetAsync(w.InviteOnlyCycle, w.Invitee.RowKey);
        Assert.Equal(before!.ETag, after!.ETag);
        Assert.Single(await store.ListAsync(w.InviteOnlyCycle));
        output.WriteLine($"invite: {results.Count} forgeries × GET/POST refused with 403: {string.Join(", ", results)}");
    }

    [Fact]
    public async Task ManageLinksRefuseEveryForgeryAndNobodyIsWithdrawn()
    {
        var w = fixture;
        var store = w.World.Host.Services.GetRequiredService<ParticipantStore>();
        var before = await store.GetAsync(w.OpenCycle, w.Registrant.RowKey);
        var results = new List<string>();
        foreach (var (name, token) in Forgeries(TokenPurpose.Manage, w.OpenCycle, w.Registrant.RowKey, w.InviteOnlyCycle, Ids.New("p"), TokenPurpose.Invite))
        {
            if (name == "someone else's")
            {
                continue;
            }

            var url = $"api/cycles/{w.OpenCycle}/register" + Q("manage", token);
            var withdraw = await Fuzz.SendAsync(w.World.Http, HttpMethod.Post, url, Fuzz.FormContent([KeyValuePair.Create("action", "withdraw")]));
            Assert.True(withdraw.Code == 403, $"withdraw with a {name} manage link: {withdraw.Says}");
            Assert.DoesNotContain(w.Registrant.RegistrationNumber!, withdraw.Body, StringComparison.Ordinal);
            if (token is not null)
            {
                var view = await Fuzz.SendAsync(w.World.Http, HttpMethod.Get, url);
                Assert.True(view.Code == 403, $"view with a {name} manage link: {view.Says}");
                Assert.DoesNotContain("rahasia", view.Body, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(w.Registrant.RegistrationNumber!, view.Body, StringComparison.Ordinal);
            }

            results.Add(name);
        }

        var after = await store.GetAsync(w.OpenCycle, w.Registrant.RowKey);
        Assert.Equal(ParticipantStatus.Confirmed, after!.Status);
        Assert.Equal(before!.ETag, after.ETag);
        output.WriteLine($"manage: {results.Count} forgeries refused with 403 (withdraw and view): {string.Join(", ", results)}");
    }

    [Fact]
    public async Task CheckInLinksRefuseEveryForgeryAndRecordNothing()
    {
        var w = fixture;
        var attendance = await w.World.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Attendance);
        var before = await Fuzz.SnapshotAsync(attendance, w.OpenCycle);
        var results = new List<string>();
        foreach (var (name, token) in Forgeries(TokenPurpose.CheckIn, w.OpenCycle, w.Registrant.RowKey, w.InviteOnlyCycle, Ids.New("p"), TokenPurpose.Manage))
        {
            var url = $"api/cycles/{w.OpenCycle}/checkin" + Q("t", token);
            var post = await Fuzz.SendAsync(w.World.Http, HttpMethod.Post, url, Fuzz.FormContent([KeyValuePair.Create("code", "123456")]));
            Assert.True(post.Code == 403, $"check-in with a {name} link: {post.Says}");
            Assert.DoesNotContain("rahasia", post.Body, StringComparison.OrdinalIgnoreCase);
            if (!string.IsNullOrEmpty(token))
            {
                var get = await Fuzz.SendAsync(w.World.Http, HttpMethod.Get, url);
                Assert.True(get.Code == 403, $"check-in page with a {name} link: {get.Says}");
                Assert.DoesNotContain("rahasia", get.Body, StringComparison.OrdinalIgnoreCase);
            }

            results.Add(name);
        }

        Assert.Equal(before, await Fuzz.SnapshotAsync(attendance, w.OpenCycle));
        output.WriteLine($"check-in: {results.Count} forgeries refused with 403: {string.Join(", ", results)}");
    }

    [Fact]
    public async Task DownloadLinksRefuseEveryForgeryAndNeverRedirect()
    {
        var w = fixture;
        using var client = CertificateSetup.NoRedirects(w.World);
        var results = new List<string>();
        var c = w.Certificate;
        foreach (var (name, token) in Forgeries(TokenPurpose.Download, c.PartitionKey, c.RowKey, w.OpenCycle, w.OtherCertificate.RowKey, TokenPurpose.CheckIn))
        {
            var answer = await Fuzz.SendAsync(client, HttpMethod.Get, $"api/certificates/{c.RowKey}/download" + Q("token", token));
            Assert.True(answer.Code == 403, $"download with a {name} token: {answer.Says}");
            Assert.Null(answer.Headers.Location);
            Assert.DoesNotContain("Rahasia Pemegang", answer.Body, StringComparison.Ordinal);
            results.Add(name);
        }

        // The positive control: the real link redirects to the PDF.
        var real = await Fuzz.SendAsync(client, HttpMethod.Get, CertificateSetup.DownloadUrl(w.World, c));
        Assert.Equal(HttpStatusCode.Redirect, real.Status);
        output.WriteLine($"download: {results.Count} forgeries refused with 403, none redirected: {string.Join(", ", results)}");
    }

    /// <summary>
    /// The open form matches a registrant by NIP (or by email) so people can correct their data. Without the manage
    /// link that must not let a stranger who knows someone's NIP or email rewrite their registration: the victim's
    /// email, NIP and name stay as they were, and the stranger is told to use the link from the confirmation email.
    /// </summary>
    [Theory]
    [InlineData("their NIP, another email")]
    [InlineData("their email, another NIP")]
    public async Task NobodyCanRewriteSomeoneElsesRegistrationWithoutTheManageLink(string attack)
    {
        var w = fixture;
        var n = attack.StartsWith("their NIP", StringComparison.Ordinal) ? 1 : 2;
        var victimFields = Forms.ValidRegistration(nip: Forms.Nip(7000 + n), email: $"korban{n}@example.org", name: "Korban Pendaftar");
        Assert.Equal(HttpStatusCode.OK, (await Forms.PostAsync(w.World.Http, $"api/cycles/{w.OpenCycle}/register", victimFields)).Response.StatusCode);
        var store = w.World.Host.Services.GetRequiredService<ParticipantStore>();
        var victim = (await store.ListAsync(w.OpenCycle)).Single(p => p.Email == $"korban{n}@example.org");

        var fields = n == 1
            ? Forms.ValidRegistration(nip: Forms.Nip(7000 + n), email: "penyerang@evil.example", name: "Penyerang")
            : Forms.ValidRegistration(nip: Forms.Nip(7100 + n), email: $"korban{n}@example.org", name: "Penyerang");
        fields["phone"] = "0899-0000-1111";
        var (response, page) = await Forms.PostAsync(w.World.Http, $"api/cycles/{w.OpenCycle}/register", fields);

        var after = (await store.GetAsync(w.OpenCycle, victim.RowKey))!;
        output.WriteLine($"{attack}: {(int)response.StatusCode} \"{page.QuerySelector("h1")?.TextContent}\"; victim now {after.FullName} <{after.Email}> NIP {after.Nip} phone {after.Phone}");
        Assert.True(after.Email == victim.Email && after.Nip == victim.Nip && after.FullName == victim.FullName && after.Phone == victim.Phone,
            $"POST /api/cycles/{{id}}/register with {attack} (no manage link) answered {(int)response.StatusCode} and rewrote the registration: " +
            $"{victim.FullName} <{victim.Email}> NIP {victim.Nip} → {after.FullName} <{after.Email}> NIP {after.Nip}, phone {after.Phone}");
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
    }

    [GeneratedRegex("^p[abcdefghijkmnpqrstuvwxyz23456789]{20}$")]
    private static partial Regex ParticipantId();

    [GeneratedRegex("^k[abcdefghijkmnpqrstuvwxyz23456789]{20}$")]
    private static partial Regex CertificateId();

    [GeneratedRegex("^[abcdefghijkmnpqrstuvwxyz23456789]{12}$")]
    private static partial Regex VerificationCode();

    [GeneratedRegex("^c[abcdefghijkmnpqrstuvwxyz23456789]{12}$")]
    private static partial Regex CycleId();

    [Fact]
    public void IdsAreLongUniformAndNeverRepeat()
    {
        const int count = 20_000;
        var ids = Enumerable.Range(0, count).Select(_ => Ids.New("p")).ToList();
        Assert.All(ids, id => Assert.Matches(ParticipantId(), id));
        Assert.Equal(count, ids.Distinct(StringComparer.Ordinal).Count());

        // Every position is uniform over the 32 letters: chi-square with 31 degrees of freedom, p = 0.0001 at 66.6.
        var worst = 0.0;
        for (var position = 1; position <= 20; position++)
        {
            var expected = count / 32.0;
            var chi = ids.GroupBy(id => id[position]).Sum(g => Math.Pow(g.Count() - expected, 2) / expected) + (32 - ids.Select(id => id[position]).Distinct().Count()) * expected;
            worst = Math.Max(worst, chi);
        }

        Assert.True(worst < 66.6, $"a position of the id is not uniform (chi-square {worst:0.0})");
        output.WriteLine($"{count:N0} participant ids: all distinct, 20 × log2(32) = 100 bits each, worst per-position chi-square {worst:0.0} (31 df; 66.6 would be p = 0.0001)");
    }

    [Fact]
    public void RealIdsHaveTheExpectedShape()
    {
        var w = fixture;
        Assert.Matches(ParticipantId(), w.Registrant.RowKey);
        Assert.Matches(ParticipantId(), w.Invitee.RowKey);
        Assert.Matches(CertificateId(), w.Certificate.RowKey);
        Assert.Matches(VerificationCode(), w.Certificate.VerificationCode);
        Assert.Matches(CycleId(), w.OpenCycle);
        Assert.NotEqual(w.Certificate.VerificationCode, w.OtherCertificate.VerificationCode);
        output.WriteLine($"participant {w.Registrant.RowKey} (100 bits), certificate {w.Certificate.RowKey} (100 bits), verification code {w.Certificate.VerificationCode} (60 bits), cycle {w.OpenCycle} (60 bits)");
    }

    [Fact]
    public async Task UnknownMalformedAndRealButUnauthorisedLookLikeEachOther()
    {
        var w = fixture;
        static string Same(Fuzz.Answer a) => a.Code + " " + a.MediaType + " " + a.Body;
        var random = new Random(7);
        string RandomCode(int length) => new([.. Enumerable.Range(0, length).Select(_ => "abcdefghijkmnpqrstuvwxyz23456789"[random.Next(32)])]);

        // Verification: 300 guessed codes of the right shape, and malformed ones, all get the one and only 404 page.
        var reference = await Fuzz.SendAsync(w.World.Http, HttpMethod.Get, "api/verify/" + RandomCode(12));
        Assert.Equal(404, reference.Code);
        var guesses = 0;
        foreach (var code in Enumerable.Range(0, 300).Select(_ => RandomCode(12)).Concat(["x", "LLLLLLLLLLLL", "../../etc", new string('a', 500), w.Certificate.VerificationCode + "a", "%00"]))
        {
            var answer = await Fuzz.SendAsync(w.World.Http, HttpMethod.Get, "api/verify/" + Uri.EscapeDataString(code));
            Assert.True(Same(answer) == Same(reference), $"verify/{code} differs from an unknown code: {answer.Says}");
            guesses++;
        }

        var jsonReference = await Fuzz.SendAsync(w.World.Http, HttpMethod.Get, "api/verify/" + RandomCode(12), headers: [("Accept", "application/json")]);
        var jsonMalformed = await Fuzz.SendAsync(w.World.Http, HttpMethod.Get, "api/verify/x", headers: [("Accept", "application/json")]);
        Assert.Equal(Same(jsonReference), Same(jsonMalformed));
        var real = await Fuzz.SendAsync(w.World.Http, HttpMethod.Get, "api/verify/" + w.Certificate.VerificationCode.ToUpperInvariant());
        Assert.Equal(200, real.Code);

        // Download without a token: a real certificate id, an unknown one and a malformed one answer alike.
        using var client = CertificateSetup.NoRedirects(w.World);
        var downloads = new List<Fuzz.Answer>();
        foreach (var id in new[] { w.Certificate.RowKey, "k" + RandomCode(20), "nonsense" })
        {
            downloads.Add(await Fuzz.SendAsync(client, HttpMethod.Get, $"api/certificates/{id}/download"));
        }

        Assert.All(downloads, d => Assert.Equal(Same(downloads[0]), Same(d)));

        // Check-in: a tampered link, and a validly signed one for a participant who does not exist, answer alike.
        var tampered = await Fuzz.SendAsync(w.World.Http, HttpMethod.Get, $"api/cycles/{w.OpenCycle}/checkin?t=" + Uri.EscapeDataString(w.Token(TokenPurpose.CheckIn, w.OpenCycle, w.Registrant.RowKey)[..^2] + "AA"));
        var nobody = await Fuzz.SendAsync(w.World.Http, HttpMethod.Get, $"api/cycles/{w.OpenCycle}/checkin?t=" + Uri.EscapeDataString(w.Token(TokenPurpose.CheckIn, w.OpenCycle, Ids.New("p"))));
        Assert.Equal(Same(tampered), Same(nobody));

        // Registration pages of a cycle that does not exist and of a malformed id answer alike.
        var unknownCycle = await Fuzz.SendAsync(w.World.Http, HttpMethod.Get, $"api/cycles/c{RandomCode(12)}/register");
        var malformedCycle = await Fuzz.SendAsync(w.World.Http, HttpMethod.Get, "api/cycles/xyz/register");
        Assert.Equal(Same(unknownCycle), Same(malformedCycle));
        output.WriteLine($"verify: {guesses} guessed or malformed codes, one identical 404; download: real/unknown/malformed id without token identical ({downloads[0].Code}); check-in: tampered vs unknown participant identical ({tampered.Code}); register: unknown vs malformed cycle identical ({unknownCycle.Code})");
    }

    [Fact]
    public async Task EveryHtmlPageCarriesTheSecurityHeaders()
    {
        var w = fixture;
        var http = w.World.Http;
        using var noRedirects = CertificateSetup.NoRedirects(w.World);
        var checkin = w.Token(TokenPurpose.CheckIn, w.OpenCycle, w.Registrant.RowKey);
        var manage = w.Token(TokenPurpose.Manage, w.OpenCycle, w.Registrant.RowKey);
        var invite = w.Token(TokenPurpose.Invite, w.InviteOnlyCycle, w.Invitee.RowKey);
        var pages = new List<(string What, Fuzz.Answer Answer)>
        {
            ("registration form", await Fuzz.SendAsync(http, HttpMethod.Get, $"api/cycles/{w.OpenCycle}/register")),
            ("registration form, English", await Fuzz.SendAsync(http, HttpMethod.Get, $"api/cycles/{w.OpenCycle}/register?lang=en")),
            ("registration errors (422)", await Fuzz.SendAsync(http, HttpMethod.Post, $"api/cycles/{w.OpenCycle}/register", Fuzz.FormContent([KeyValuePair.Create("fullName", "x")]))),
            ("manage page", await Fuzz.SendAsync(http, HttpMethod.Get, $"api/cycles/{w.OpenCycle}/register?manage={Uri.EscapeDataString(manage)}")),
            ("invite page", await Fuzz.SendAsync(http, HttpMethod.Get, $"api/cycles/{w.InviteOnlyCycle}/register?invite={Uri.EscapeDataString(invite)}")),
            ("invite-only refusal (403)", await Fuzz.SendAsync(http, HttpMethod.Get, $"api/cycles/{w.InviteOnlyCycle}/register")),
            ("unknown cycle (404)", await Fuzz.SendAsync(http, HttpMethod.Get, "api/cycles/cxxxxxxxxxxxx/register")),
            ("unsupported media type (415)", await Fuzz.SendAsync(http, HttpMethod.Post, $"api/cycles/{w.OpenCycle}/register", Fuzz.Content("<x/>"u8.ToArray(), "text/xml"))),
            ("check-in landing (QR)", await Fuzz.SendAsync(http, HttpMethod.Get, $"api/cycles/{w.OpenCycle}/checkin")),
            ("check-in page", await Fuzz.SendAsync(http, HttpMethod.Get, $"api/cycles/{w.OpenCycle}/checkin?t={Uri.EscapeDataString(checkin)}")),
            ("check-in refusal (403)", await Fuzz.SendAsync(http, HttpMethod.Post, $"api/cycles/{w.OpenCycle}/checkin", Fuzz.FormContent([KeyValuePair.Create("code", "1")]))),
            ("verification page", await Fuzz.SendAsync(http, HttpMethod.Get, $"api/verify/{w.Certificate.VerificationCode}")),
            ("verification of a file", await Fuzz.SendAsync(http, HttpMethod.Post, $"api/verify/{w.Certificate.VerificationCode}", Fuzz.FormContent([KeyValuePair.Create("sha256", new string('0', 64))]))),
            ("verification not found (404)", await Fuzz.SendAsync(http, HttpMethod.Get, "api/verify/aaaaaaaaaaaa")),
            ("download refusal (403)", await Fuzz.SendAsync(noRedirects, HttpMethod.Get, $"api/certificates/{w.Certificate.RowKey}/download")),
            ("download expired (403)", await Fuzz.SendAsync(noRedirects, HttpMethod.Get, $"api/certificates/{w.Certificate.RowKey}/download?token={Uri.EscapeDataString(w.Token(TokenPurpose.Download, w.Certificate.PartitionKey, w.Certificate.RowKey, TimeSpan.FromSeconds(-1)))}")),
            ("download not found (404)", await Fuzz.SendAsync(noRedirects, HttpMethod.Get, $"api/certificates/kaaaaaaaaaaaaaaaaaaaa/download?token={Uri.EscapeDataString(w.Token(TokenPurpose.Download, w.Certificate.PartitionKey, "kaaaaaaaaaaaaaaaaaaaa"))}")),
            ("organizer dashboard", await Fuzz.SendAsync(http, HttpMethod.Get, "api/dashboard")),
            ("session code screen", await Fuzz.SendAsync(http, HttpMethod.Get, $"api/cycles/{w.OpenCycle}/sessions/s1/code?t={Uri.EscapeDataString(w.Token(TokenPurpose.CodeScreen, w.OpenCycle, "s1"))}")),
            ("session code screen refusal (403)", await Fuzz.SendAsync(http, HttpMethod.Get, $"api/cycles/{w.OpenCycle}/sessions/s1/code")),
            ("email sign-in form", await Fuzz.SendAsync(http, HttpMethod.Get, "api/signin")),
            ("email sign-in answer", await Fuzz.SendAsync(http, HttpMethod.Post, "api/signin", Fuzz.FormContent([KeyValuePair.Create("email", "orang@example.org")]))),
            ("email sign-in field error (400)", await Fuzz.SendAsync(http, HttpMethod.Post, "api/signin", Fuzz.FormContent([KeyValuePair.Create("email", "x")]))),
            ("sign-in link refusal (400)", await Fuzz.SendAsync(http, HttpMethod.Get, "api/signin/link?t=forged")),
        };
        var problems = pages.Select(p => (p.What, Problem: SecurityHeaders.Problems(p.Answer), p.Answer.Code)).Where(p => p.Problem is not null).Select(p => $"{p.What} ({p.Code}): {p.Problem}").ToList();
        output.WriteLine($"{pages.Count} HTML pages checked: " + string.Join(", ", pages.Select(p => $"{p.What} {p.Answer.Code}")));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task OrganizerAnswersWithPersonalDataAreNeitherCachedNorSniffed()
    {
        var w = fixture;
        var c = w.Certificate;
        var urls = new[]
        {
            $"api/cycles/{w.OpenCycle}/participants",
            $"api/cycles/{w.OpenCycle}/participants?format=csv",
            $"api/cycles/{w.OpenCycle}/attendance?format=csv",
            $"api/cycles/{c.PartitionKey}/participants/{c.ParticipantId}/timeline",
            $"api/cycles/{c.PartitionKey}/certificates",
        };
        var problems = new List<string>();
        foreach (var url in urls)
        {
            var answer = await Fuzz.SendAsync(w.World.Organizer, HttpMethod.Get, url);
            Assert.Equal(200, answer.Code);
            var cache = SecurityHeaders.Get(answer, "Cache-Control");
            if (cache is null || !cache.Contains("no-store", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{url}: Cache-Control '{cache}' (NIPs, emails and phones may stay in the browser's disk cache)");
            }

            if (!string.Equals(SecurityHeaders.Get(answer, "X-Content-Type-Options"), "nosniff", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{url}: no X-Content-Type-Options: nosniff");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
