using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Dashboard;

public sealed record GrantRequest
{
    /// <summary>An email address (the grant waits for that person's first sign-in) or a user id (<c>aad:…</c>, <c>service:…</c>).</summary>
    public string? User { get; init; }

    public string? Role { get; init; }

    public string? CycleId { get; init; }

    public string? SessionId { get; init; }

    public string? Agency { get; init; }
}

/// <summary>Who is signed in (<c>GET /api/me</c>) and the administrators' grant API (<c>/api/access/grants</c>).</summary>
public sealed class AccessFunctions(GrantStore grants, ConfiguredGrants configured, CycleStore cycles, AuditLog audit, TimeProvider time)
{
    private const int MaxBodyBytes = 4 * 1024;
    private const string AccessAuditPartition = AuditLog.GlobalPartition;

    [Function(nameof(Me))]
    [Requires(Permission.SignedIn)]
    public IActionResult Me([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me")] HttpRequest request)
    {
        var access = RequestAccess.Of(request)!;
        var user = access.User;
        var permissions = Enum.GetValues<Permission>().Where(p => access.Grants.Any(g => Roles.PermissionsOf(g.Role).Contains(p))).Select(AccessGate.Camel).ToList();
        return Http.Ok(new
        {
            user = new { id = user.UserId, name = user.DisplayName, email = user.Email, method = user.Method },
            grants = access.Grants.Select(View),
            permissions,
            rolePermissions = Roles.All.ToDictionary(r => r, r => Roles.PermissionsOf(r).Select(AccessGate.Camel)),
            signOut = user.Method == "easyauth" ? SignInLinks.EasyAuthLogout : null,
        });
    }

    [Function(nameof(ListGrants))]
    [Requires(Permission.ManageAccess)]
    public async Task<IActionResult> ListGrants([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "access/grants")] HttpRequest request)
    {
        var cycleId = request.Query["cycleId"].FirstOrDefault() is { Length: > 0 } c ? c : null;
        var stored = await grants.ListAsync(cycleId, request.HttpContext.RequestAborted);
        var firstAdministrators = configured.FirstAdministrators().Select(s => new { subject = s, role = Roles.Administrator, source = "setting" });
        return Http.Ok(new { items = stored.OrderBy(g => g.Subject, StringComparer.Ordinal).ThenBy(g => g.Role, StringComparer.Ordinal).Select(View), firstAdministrators });
    }

    [Function(nameof(AddGrant))]
    [Requires(Permission.ManageAccess)]
    public async Task<IActionResult> AddGrant([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "access/grants")] HttpRequest request)
    {
        var body = await Http.ReadBodyAsync(request, MaxBodyBytes, request.HttpContext.RequestAborted);
        if (body is null)
        {
            return Http.TooLarge(MaxBodyBytes);
        }

        if (!Http.TryParseJson<GrantRequest>(body, out var input, out var error))
        {
            return error!;
        }

        var errors = new List<object>();
        void Fail(string field, string key, params object?[] args)
        {
            var (message, messageEn) = Text.Both(key, args);
            errors.Add(new { field, message, messageEn });
        }

        var subject = Subjects.Normalize(input!.User);
        if (subject is null)
        {
            Fail("user", nameof(Texts.Access_Grant_UserMissing));
        }

        var role = Roles.Normalize(input.Role);
        if (role is null)
        {
            Fail("role", nameof(Texts.Access_Grant_RoleUnknown), string.Join(", ", Roles.All));
        }

        var cycleId = Blank(input.CycleId);
        var sessionId = Blank(input.SessionId);
        var agency = input.Agency is null ? null : PlainText.Line(input.Agency, 200) is { Length: > 0 } a ? a : null;
        if (role == Roles.Administrator && (cycleId ?? sessionId ?? agency) is not null)
        {
            Fail("cycleId", nameof(Texts.Access_Grant_AdminAllCycles));
        }

        if (role is Roles.Instructor && (cycleId is null || sessionId is null))
        {
            Fail("sessionId", nameof(Texts.Access_Grant_InstructorSession));
        }

        if (role is Roles.Coordinator && (cycleId is null || agency is null))
        {
            Fail("agency", nameof(Texts.Access_Grant_CoordinatorAgency));
        }

        if (role is not Roles.Instructor && sessionId is not null)
        {
            Fail("sessionId", nameof(Texts.Access_Grant_SessionOnlyInstructor));
        }

        if (role is not Roles.Coordinator && agency is not null)
        {
            Fail("agency", nameof(Texts.Access_Grant_AgencyOnlyCoordinator));
        }

        if (errors.Count == 0 && cycleId is not null)
        {
            var cycle = await cycles.GetAsync(cycleId);
            if (cycle is null)
            {
                Fail("cycleId", nameof(Texts.Access_Grant_CycleNotFound));
            }
            else if (sessionId is not null && cycle.Schedule.Sessions.All(s => s.Id != sessionId))
            {
                Fail("sessionId", nameof(Texts.Access_Grant_SessionNotInCycle));
            }
        }

        if (errors.Count > 0)
        {
            return Http.Error(StatusCodes.Status422UnprocessableEntity, "invalid_grant", nameof(Texts.Access_Grant_Invalid), [], errors);
        }

        var by = RequestCaller.Of(request)!;
        var (grant, created) = await grants.AddAsync(subject!, role!, cycleId, sessionId, agency, by, time.GetUtcNow(), request.HttpContext.RequestAborted);
        if (created)
        {
            await audit.WriteChangeAsync(cycleId ?? AccessAuditPartition, AuditActors.Of(request), "access.granted", null, Describe(grant), null, new { subject = grant.Subject, role = grant.Role, cycleId = grant.CycleId, sessionId = grant.SessionId, agency = grant.Agency }, request.HttpContext.RequestAborted);
        }

        return Http.Ok(new { grant = View(grant), created }, created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    [Function(nameof(RevokeGrant))]
    [Requires(Permission.ManageAccess)]
    public async Task<IActionResult> RevokeGrant(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "access/grants/{grantId}")] HttpRequest request,
        string grantId)
    {
        if (!GrantStore.LooksLikeId(grantId) || await grants.FindAsync(grantId, request.HttpContext.RequestAborted) is not { } grant)
        {
            return Http.Error(StatusCodes.Status404NotFound, "not_found", nameof(Texts.Access_Grant_NotFound));
        }

        if (await grants.RemoveAsync(grant, request.HttpContext.RequestAborted))
        {
            await audit.WriteChangeAsync(grant.CycleId ?? AccessAuditPartition, AuditActors.Of(request), "access.revoked", null, Describe(grant), new { subject = grant.Subject, role = grant.Role, cycleId = grant.CycleId, sessionId = grant.SessionId, agency = grant.Agency }, null, request.HttpContext.RequestAborted);
        }

        return new NoContentResult();
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Describe(AccessGrant g) =>
        $"{g.Subject} {g.Role}" + (g.CycleId is null ? " (all cycles)" : $" cycle {g.CycleId}") + (g.SessionId is null ? "" : $" session {g.SessionId}") + (g.Agency is null ? "" : $" agency {g.Agency}");

    private static object View(AccessGrant g) => new
    {
        id = g.Id,
        subject = g.Subject,
        role = g.Role,
        cycleId = g.CycleId,
        sessionId = g.SessionId,
        agency = g.Agency,
        source = g.Source,
        grantedBy = g.GrantedBy,
        grantedByName = g.GrantedByName,
        grantedAt = g.GrantedAt,
    };
}
