using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
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
public sealed class AccessFunctions(GrantStore grants, ConfiguredGrants configured, GrantRequestRules rules, AuditLog audit, TimeProvider time)
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

        var (valid, refused) = await rules.CheckAsync(input!, request.HttpContext.RequestAborted);
        if (refused is not null)
        {
            return refused.ToResult();
        }

        var by = RequestCaller.Of(request)!;
        var (grant, created) = await grants.AddAsync(valid!.Subject, valid.Role, valid.CycleId, valid.SessionId, valid.Agency, by, time.GetUtcNow(), request.HttpContext.RequestAborted);
        if (created)
        {
            await audit.WriteChangeAsync(grant.CycleId ?? AccessAuditPartition, AuditActors.Of(request), "access.granted", null, Describe(grant), null, new { subject = grant.Subject, role = grant.Role, cycleId = grant.CycleId, sessionId = grant.SessionId, agency = grant.Agency }, request.HttpContext.RequestAborted);
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
