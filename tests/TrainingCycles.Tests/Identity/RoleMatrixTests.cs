using System.Net;
using System.Reflection;
using System.Text.Json;
using TrainingCycles.Certificates;
using TrainingCycles.DevHost;
using TrainingCycles.Identity;
using TrainingCycles.Tests.Certificates;
using TrainingCycles.Tests.Reliability;
using TrainingCycles.Tests.Support;
using Xunit.Abstractions;

namespace TrainingCycles.Tests.Identity;

/// <summary>Two cycles (A with an issued certificate, B), and one signed-in person per role and scope.</summary>
public sealed class RoleWorld : IAsyncLifetime
{
    public const string AgencyA = "Dinas Sosial Kabupaten Kotawaringin Timur";

    public TestWorld World { get; private set; } = null!;

    public string CycleA { get; private set; } = "";

    public string CycleB { get; private set; } = "";

    public CertificateEntity Certificate { get; private set; } = null!;

    /// <summary>Name → (role, cycle, session, agency, client). "anonymous" has no sign-in, "nobody" no grant.</summary>
    public Dictionary<string, Caller> Callers { get; } = new(StringComparer.Ordinal);

    public sealed record Caller(string Name, string? Role, string? Cycle, string? Session, string? Agency, HttpClient Client);

    public async Task InitializeAsync()
    {
        World = await TestWorld.StartAsync(DurableBackend.InMemory);
        CycleA = await CertificateSetup.NewCycleAsync(World);
        await CertificateSetup.AddEligibleAsync(World, CycleA, ["Rahasia Pemegang"]);
        Certificate = Assert.Single(await CertificateSetup.IssueAsync(World, CycleA));
        CycleB = await CertificateSetup.NewCycleAsync(World);

        Callers["anonymous"] = new("anonymous", null, null, null, null, World.Http);
        Callers["nobody"] = new("nobody", null, null, null, null, await People.SignInAsync(World, "nobody@kalteng.example"));
        Callers["administrator"] = new("administrator", Roles.Administrator, null, null, null, await People.SignInAsync(World, People.FirstAdministrator));
        var specs = new (string Name, string Role, string? Cycle, string? Session, string? Agency)[]
        {
            ("organizer-A", Roles.Organizer, CycleA, null, null),
            ("organizer-B", Roles.Organizer, CycleB, null, null),
            ("organizer-all", Roles.Organizer, null, null, null),
            ("instructor-A-s1", Roles.Instructor, CycleA, "s1", null),
            ("instructor-A-s2", Roles.Instructor, CycleA, "s2", null),
            ("instructor-B-s1", Roles.Instructor, CycleB, "s1", null),
            ("coordinator-A", Roles.Coordinator, CycleA, null, AgencyA),
            ("coordinator-B", Roles.Coordinator, CycleB, null, AgencyA),
            ("viewer-A", Roles.Viewer, CycleA, null, null),
            ("viewer-B", Roles.Viewer, CycleB, null, null),
            ("viewer-all", Roles.Viewer, null, null, null),
        };
        foreach (var s in specs)
        {
            var email = s.Name + "@kalteng.example";
            await People.GrantAsync(World, email, s.Role, s.Cycle, s.Session, s.Agency);
            Callers[s.Name] = new(s.Name, s.Role, s.Cycle, s.Session, s.Agency, await People.SignInAsync(World, email));
        }
    }

    public async Task DisposeAsync() => await World.DisposeAsync();
}

/// <summary>
/// Every organizer route in functions.metadata × every role × in and out of scope answers as docs/security.md says:
/// 401 without a sign-in, 403 outside the role or scope, and through the gate inside it. The expected matrix is written
/// here, apart from the app's role table, so a change to either shows.
/// </summary>
public sealed class RoleMatrixTests(RoleWorld fixture, ITestOutputHelper output) : IClassFixture<RoleWorld>
{
    private enum On
    {
        AllCycles,
        AnyCycle,
        Cycle,
        Session,
        SignedIn,
    }

    private const string A = Roles.Administrator, O = Roles.Organizer, I = Roles.Instructor, C = Roles.Coordinator, V = Roles.Viewer;

    /// <summary>Function → who may (docs/security.md's matrix).</summary>
    private static readonly Dictionary<string, (string[] Roles, On Scope)> Expected = new(StringComparer.Ordinal)
    {
        ["Me"] = ([], On.SignedIn),
        ["ListCycles"] = ([A, O, I, C, V], On.AnyCycle),
        ["GetCycle"] = ([A, O, I, C, V], On.Cycle),
        ["GetCertificateLogo"] = ([A, O, I, C, V], On.Cycle),
        ["CycleStats"] = ([A, O, V], On.Cycle),
        ["ListParticipants"] = ([A, O, C], On.Cycle),
        ["ParticipantTimeline"] = ([A, O], On.Cycle),
        ["ListCertificates"] = ([A, O], On.Cycle),
        ["ExportAttendance"] = ([A, O], On.Cycle),
        ["CreateCycle"] = ([A, O], On.AllCycles),
        ["CloseRegistration"] = ([A, O], On.Cycle),
        ["EndTraining"] = ([A, O], On.Cycle),
        ["CancelCycle"] = ([A, O], On.Cycle),
        ["RescheduleCycle"] = ([A, O], On.Cycle),
        ["ImportInvitees"] = ([A, O], On.Cycle),
        ["WithdrawParticipant"] = ([A, O], On.Cycle),
        ["RemoveParticipant"] = ([A, O], On.Cycle),
        ["CorrectParticipant"] = ([A, O], On.Cycle),
        ["UploadCertificateLogo"] = ([A, O], On.Cycle),
        ["DeleteCertificateLogo"] = ([A, O], On.Cycle),
        ["RevokeCertificate"] = ([A, O], On.Cycle),
        ["ReissueCertificate"] = ([A, O], On.Cycle),
        ["SetCheckInMode"] = ([A, O, I], On.Session),
        ["DoorCheckIn"] = ([A, O, I], On.Session),
        ["DecidePendingCheckIns"] = ([A, O, I], On.Session),
        ["MarkSessionAttendance"] = ([A, O, I], On.Session),
        ["GetSessionAttendance"] = ([A, O, I], On.Session),
        ["CreateCodeScreenLink"] = ([A, O, I], On.Session),
        ["WorkflowProbe"] = ([A], On.AllCycles),
        ["ListAuditEntries"] = ([A], On.AllCycles),
        ["ListGrants"] = ([A], On.AllCycles),
        ["AddGrant"] = ([A], On.AllCycles),
        ["RevokeGrant"] = ([A], On.AllCycles),
        ["PutTest"] = ([A, O], On.Cycle),
        ["GetTest"] = ([A, O], On.Cycle),
        ["TestResults"] = ([A, O], On.Cycle),
        ["EvaluationSummaryPdf"] = ([A, O], On.Cycle), // #21: the same permission as the results CSV
        ["RatingResults"] = ([A, O, V], On.Cycle),
        ["SessionRatings"] = ([A, O, I], On.Session),

        // #20 completion
        ["SetCompletionOverride"] = ([A, O], On.Cycle),
        ["ImportPostTestScores"] = ([A, O], On.Cycle),
        ["DownloadLetter"] = ([A, O], On.Cycle),
        ["AttendanceSheets"] = ([A, O], On.Cycle),

        // #20 excused absence and the locked roster: reopening is the administrator's
        ["ListAbsenceRequests"] = ([A, O], On.Cycle),
        ["DecideAbsenceRequest"] = ([A, O], On.Cycle),
        ["DownloadAbsenceEvidence"] = ([A, O], On.Cycle),
        ["LockRoster"] = ([A, O], On.Cycle),
        ["ReopenRoster"] = ([A], On.Cycle),

        // #23 privacy
        ["ExportPersonalData"] = ([A, O], On.Cycle),
        ["ErasePersonalData"] = ([A, O], On.Cycle),
        ["ExportNomineeData"] = ([A, O], On.Cycle), // #23: a nominee never seated
        ["EraseNomineeData"] = ([A, O], On.Cycle),
        ["ErasePersonEverywhere"] = ([A, O], On.AllCycles), // #23b: reaches every cycle the person is in

        // #23a retention report and breach query: administrators only (ManagePrivacy)
        ["RetentionReport"] = ([A], On.AllCycles),
        ["BreachQuery"] = ([A], On.AllCycles),

        // #22 records
        ["GetPersonRecord"] = ([A, O], On.AllCycles),
        ["ListAgencyRecords"] = ([A, O, C], On.Cycle),
        ["ExportSiasnCsv"] = ([A, O, C], On.Cycle),
        ["DownloadCertificatesZip"] = ([A, O, C], On.Cycle),
        ["ListBiodataRequests"] = ([A, O], On.Cycle),
        ["DecideBiodataRequest"] = ([A, O], On.Cycle),

        // #19 nomination: organizers run quotas and decisions; a coordinator sees and nominates for their own agency.
        ["ImportQuotas"] = ([A, O], On.Cycle),
        ["ReplaceCoordinator"] = ([A, O], On.Cycle),
        ["DecideNomination"] = ([A, O], On.Cycle),
        ["ListQuotas"] = ([A, O, C], On.Cycle),
        ["ListNominees"] = ([A, O, C], On.Cycle),
        ["DownloadNominationLetter"] = ([A, O, C], On.Cycle),
        ["NominationPage"] = ([A, O, C], On.Cycle),
        ["UploadNominationLetter"] = ([A, O, C], On.Cycle),
        ["AddNominee"] = ([A, O, C], On.Cycle),
        ["WithdrawNominee"] = ([A, O, C], On.Cycle),
    };

    /// <summary>Participant and public routes: no sign-in, each protected by its own signed link where a person is addressed.</summary>
    public static readonly string[] Public = ["EmailEvents", "ShowRegistrationForm", "SubmitRegistration", "Health", "DashboardPage", "DashboardScriptFile", "DashboardStylesFile", "DownloadCertificate", "VerifyCertificate", "CheckCertificateFile", "CheckIn", "SessionCodePage",
        "ShowSignInForm", "RequestSignInLink", "ShowSignInLink", "RedeemSignInLink", "SignInSession", "SignOut",
        "ShowMyData", "WithdrawConsent" /* #23: the participant's manage link is the proof */,
        "ShowMyDataRequest", "RequestMyDataLink" /* #23b: same answer for any address; the link goes to the address on record */,
        "TakeTest", "RateSession" /* #21: the participant's personal link is the proof */,
        "VerifyLetter" /* #20: public letter verification, like VerifyCertificate */,
        "AbsenceRequestPage" /* #20: the participant's personal link is the proof */,
        "DownloadMyLetter" /* #20: the participant's own letter, their manage link is the proof */,
        // #22: a person's own record, behind a link mailed to the address on record
        "ShowRecordsRequest", "RequestRecordsLink", "ShowRecordsHistory",
        "ShowNominationAnswer", "SubmitNominationAnswer" /* #19: the nominee's own signed link is the proof */,
        "ShowBiodata", "SubmitBiodata" /* #22: the participant's manage link is the proof */];


    private static IEnumerable<FunctionDescriptor> Http() => FunctionCatalog.Load().Functions.Where(f => f.Kind == FunctionKind.Http);

    [Fact]
    public void EveryHttpFunctionIsPublicByNameOrDeclaresWhatItNeedsAndIsInTheMatrix()
    {
        var functions = Http().ToList();
        var undeclared = functions.Where(f => f.Method.GetCustomAttribute<RequiresAttribute>() is null && !Public.Contains(f.Name)).Select(f => f.Name).ToList();
        var declared = functions.Where(f => f.Method.GetCustomAttribute<RequiresAttribute>() is not null).Select(f => f.Name).ToList();
        var publicButDeclared = declared.Intersect(Public).ToList();

        Assert.True(undeclared.Count == 0, "HTTP functions with neither [Requires] nor a place in the public list: " + string.Join(", ", undeclared));
        Assert.True(publicButDeclared.Count == 0, "In the public list but declaring a requirement: " + string.Join(", ", publicButDeclared));
        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), declared.Order(StringComparer.Ordinal));
        // The platform does not check keys any more: the app does, for every route (docs/decisions.md).
        Assert.All(functions, f => Assert.True(f.IsAnonymous, $"{f.Name} has authLevel {f.Trigger.AuthLevel}"));
    }

    private static bool InScope(RoleWorld.Caller caller, (string[] Roles, On Scope) rule, string cycle)
    {
        if (rule.Scope == On.SignedIn)
        {
            return caller.Name != "anonymous";
        }

        if (caller.Role is null || !rule.Roles.Contains(caller.Role))
        {
            return false;
        }

        return rule.Scope switch
        {
            On.AllCycles => caller.Cycle is null,
            On.AnyCycle => true,
            On.Session => caller.Cycle is null || (caller.Cycle == cycle && (caller.Session is null || caller.Session == "s1")),
            _ => caller.Cycle is null || caller.Cycle == cycle,
        };
    }

    [Fact]
    public async Task EveryOrganizerRouteAnswersEachRoleInAndOutOfScopeAsTheMatrixSays()
    {
        var w = fixture;
        var certificate = w.Certificate;
        string Sample(string route) => route
            .Replace("{cycleId}", w.CycleA, StringComparison.Ordinal)
            .Replace("{sessionId}", "s1", StringComparison.Ordinal)
            .Replace("{participantId}", certificate.ParticipantId, StringComparison.Ordinal)
            .Replace("{certificateId}", certificate.RowKey, StringComparison.Ordinal)
            .Replace("{grantId}", "g" + new string('0', 24), StringComparison.Ordinal);

        var problems = new List<string>();
        var counts = new Dictionary<int, int>();
        // Out-of-scope callers first: a refused call must change nothing, and the in-scope calls (some of which act,
        // e.g. cancel) come after.
        foreach (var inScopePass in new[] { false, true })
        {
            foreach (var function in Http().Where(f => Expected.ContainsKey(f.Name)))
            {
                var rule = Expected[function.Name];
                foreach (var method in function.HttpMethods)
                {
                    foreach (var caller in w.Callers.Values)
                    {
                        var allowed = InScope(caller, rule, w.CycleA);
                        if (allowed != inScopePass)
                        {
                            continue;
                        }

                        var answer = await Fuzz.SendAsync(caller.Client, new HttpMethod(method), "api/" + Sample(function.Route),
                            method is "POST" or "PUT" or "PATCH" ? Fuzz.Content("{}"u8.ToArray(), "application/json") : null);
                        counts[answer.Code] = counts.GetValueOrDefault(answer.Code) + 1;
                        var expected = caller.Name == "anonymous" ? 401 : allowed ? 0 : 403;
                        if (expected == 0 ? answer.Code is 401 or 403 or 500 : answer.Code != expected || !IsBilingualError(answer, expected == 401 ? null : "forbidden"))
                        {
                            problems.Add($"{method} {function.Route} ({function.Name}) as {caller.Name}: expected {(expected == 0 ? "through the gate" : expected.ToString(System.Globalization.CultureInfo.InvariantCulture))}, got {answer.Says}");
                        }
                    }
                }
            }
        }

        output.WriteLine($"{Expected.Count} routes × {w.Callers.Count} callers: " + string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key}×{c.Value}")));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task TheCycleListShowsEachCallerOnlyTheCyclesTheirGrantsCover()
    {
        var w = fixture;
        foreach (var (name, expected) in new[] { ("organizer-A", new[] { w.CycleA }), ("instructor-B-s1", [w.CycleB]), ("coordinator-A", [w.CycleA]), ("viewer-all", [w.CycleA, w.CycleB]), ("administrator", [w.CycleA, w.CycleB]) })
        {
            var list = JsonDocument.Parse(await w.Callers[name].Client.GetStringAsync("api/cycles")).RootElement.GetProperty("items");
            var ids = list.EnumerateArray().Select(c => c.GetProperty("cycleId").GetString()!).ToList();
            Assert.True(expected.Order().SequenceEqual(ids.Where(i => i == w.CycleA || i == w.CycleB).Order()) && ids.All(i => expected.Contains(i)),
                $"{name} sees {string.Join(", ", ids)}");
        }
    }

    private static bool IsBilingualError(Fuzz.Answer answer, string? code)
    {
        try
        {
            var error = JsonDocument.Parse(answer.Body).RootElement.GetProperty("error");
            return (code is null || error.GetProperty("code").GetString() == code) &&
                error.GetProperty("message").GetString() is { Length: > 0 } id && error.GetProperty("messageEn").GetString() is { Length: > 0 } en && id != en;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }
}
