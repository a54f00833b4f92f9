using Microsoft.AspNetCore.Http;

namespace TrainingCycles.Identity;

/// <summary>What a route needs. Roles are sets of these (<see cref="Roles.PermissionsOf"/>); docs/security.md has the matrix.</summary>
public enum Permission
{
    /// <summary>Any proven caller, grants or not (<c>GET /api/me</c>).</summary>
    SignedIn,

    /// <summary>The list of cycles; the function shows only the cycles the caller's grants cover.</summary>
    ListCycles,

    /// <summary>A cycle's definition, phase and counts (no personal data).</summary>
    ViewCycle,

    /// <summary>Summaries and reports: the statistics view.</summary>
    ViewReports,

    /// <summary>The participant list and export; an agency coordinator sees only their agency's people.</summary>
    ViewParticipants,

    /// <summary>Personal data beyond the list: a person's timeline, the certificate list, the attendance export.</summary>
    ViewPersonalData,

    /// <summary>Run a cycle: definition, invitees, phase commands, participant corrections, certificates, logo.</summary>
    RunCycle,

    /// <summary>Create a cycle (an organizer for all cycles, or an administrator).</summary>
    CreateCycle,

    /// <summary>A session's code screen, check-in mode, door scans, pending decisions, roster marks.</summary>
    TeachSession,

    /// <summary>Grant and revoke roles.</summary>
    ManageAccess,

    /// <summary>Read the audit trail.</summary>
    ViewAudit,

    /// <summary>Operations probes (the workflow probe).</summary>
    Operate,

    /// <summary>Nominate staff for an agency's seats (#19): an agency coordinator for their agency, an organizer for any.</summary>
    Nominate,

    /// <summary>#23a: the retention report and the breach query (who was touched, with names and addresses). Administrators only.</summary>
    ManagePrivacy,
}

/// <summary>Where the scope of a route comes from.</summary>
public enum AccessScope
{
    /// <summary>Only a grant for all cycles will do.</summary>
    AllCycles,

    /// <summary>The cycle named by the route's <c>{cycleId}</c>.</summary>
    Cycle,

    /// <summary>The session named by the route's <c>{cycleId}</c> and <c>{sessionId}</c>.</summary>
    Session,

    /// <summary>The cycle of the certificate named by the route's <c>{certificateId}</c>.</summary>
    CertificateCycle,

    /// <summary>Any grant that carries the permission; the function narrows what it shows to the caller's scopes.</summary>
    AnyCycle,
}

/// <summary>
/// The one place a route says what it needs. The access gate (the Functions middleware and the dev host's adapter)
/// reads it before the function runs; a route without it is public (the list of public routes is a test).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RequiresAttribute(Permission permission, AccessScope scope = AccessScope.AllCycles) : Attribute
{
    public Permission Permission { get; } = permission;

    public AccessScope Scope { get; } = scope;
}

public static class Roles
{
    public const string Administrator = "administrator";
    public const string Organizer = "organizer";
    public const string Instructor = "instructor";
    public const string Coordinator = "coordinator";
    public const string Viewer = "viewer";

    public static readonly IReadOnlyList<string> All = [Administrator, Organizer, Instructor, Coordinator, Viewer];

    private static readonly Dictionary<string, Permission[]> Table = new(StringComparer.Ordinal)
    {
        [Administrator] = Enum.GetValues<Permission>(),
        [Organizer] = [Permission.SignedIn, Permission.ListCycles, Permission.ViewCycle, Permission.ViewReports, Permission.ViewParticipants, Permission.ViewPersonalData, Permission.RunCycle, Permission.CreateCycle, Permission.TeachSession, Permission.Nominate],
        [Instructor] = [Permission.SignedIn, Permission.ListCycles, Permission.ViewCycle, Permission.TeachSession],
        [Coordinator] = [Permission.SignedIn, Permission.ListCycles, Permission.ViewCycle, Permission.ViewParticipants, Permission.Nominate],
        [Viewer] = [Permission.SignedIn, Permission.ListCycles, Permission.ViewCycle, Permission.ViewReports],
    };

    public static IReadOnlyList<Permission> PermissionsOf(string role) => Table.TryGetValue(role, out var p) ? p : [];

    public static string? Normalize(string? role) => role?.Trim().ToLowerInvariant() is { } r && Table.ContainsKey(r) ? r : null;
}

/// <summary>
/// One role with its scope: all cycles (<see cref="CycleId"/> null), one cycle, one session of a cycle (instructor),
/// or one agency in one cycle (coordinator). <see cref="Source"/> says where it comes from: <c>grant</c> (a stored
/// row, revocable), <c>setting</c> (first administrators) or <c>service</c> (an automation key's identity).
/// </summary>
public sealed record AccessGrant(string Id, string Subject, string Role, string? CycleId, string? SessionId, string? Agency, string Source, string? GrantedBy, string? GrantedByName, DateTimeOffset? GrantedAt)
{
    public bool Covers(Permission permission, AccessScope scope, string? cycleId, string? sessionId)
    {
        if (!Roles.PermissionsOf(Role).Contains(permission))
        {
            return false;
        }

        return scope switch
        {
            AccessScope.AllCycles => CycleId is null,
            AccessScope.AnyCycle => true,
            AccessScope.Session => CycleId is null || (cycleId is not null && string.Equals(CycleId, cycleId, StringComparison.Ordinal) && (SessionId is null || string.Equals(SessionId, sessionId, StringComparison.Ordinal))),
            _ => CycleId is null || (cycleId is not null && string.Equals(CycleId, cycleId, StringComparison.Ordinal)),
        };
    }
}

/// <summary>The proven caller and every grant that applies to them, as the gate found them for this request.</summary>
public sealed class CallerAccess(AuthenticatedUser user, IReadOnlyList<AccessGrant> grants)
{
    public AuthenticatedUser User { get; } = user;

    public IReadOnlyList<AccessGrant> Grants { get; } = grants;

    public bool Allows(Permission permission, AccessScope scope, string? cycleId = null, string? sessionId = null) =>
        permission == Permission.SignedIn || Grants.Any(g => g.Covers(permission, scope, cycleId, sessionId));

    /// <summary>Whether the cycle list shows this cycle to the caller.</summary>
    public bool SeesCycle(string cycleId) => Allows(Permission.ListCycles, AccessScope.Cycle, cycleId);

    /// <summary>Null when the caller sees every participant of the cycle; otherwise the agencies they may see
    /// (an agency coordinator's). Empty means none.</summary>
    public IReadOnlySet<string>? AgencyFilter(string cycleId)
    {
        var covering = Grants.Where(g => g.Covers(Permission.ViewParticipants, AccessScope.Cycle, cycleId, null)).ToList();
        return covering.Any(g => g.Agency is null)
            ? null
            : covering.Select(g => AgencyKey(g.Agency!)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>How an agency name is compared: trimmed, inner spaces collapsed, case-insensitive.</summary>
    public static string AgencyKey(string agency) => string.Join(' ', agency.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToUpperInvariant();

    /// <summary>The name an organizer action is recorded under when the body names nobody.</summary>
    public string ActorName => User.DisplayName;
}

/// <summary>The access the gate proved for this request (null on public routes).</summary>
public static class RequestAccess
{
    public static CallerAccess? Of(HttpRequest request) =>
        request.HttpContext.Items.TryGetValue(typeof(CallerAccess), out var access) ? access as CallerAccess : null;

    internal static void Set(HttpRequest request, CallerAccess access) => request.HttpContext.Items[typeof(CallerAccess)] = access;
}

/// <summary>Finds the cycle a certificate belongs to (implemented by the certificates capability, registered in the
/// composition root), so routes addressed by certificate id can be scoped to a cycle.</summary>
public interface ICertificateCycleLookup
{
    Task<string?> CycleOfAsync(string certificateId, CancellationToken cancellationToken);
}
