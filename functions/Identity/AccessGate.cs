using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;

namespace TrainingCycles.Identity;

/// <summary>
/// The one access check, used by both hosts (the Functions middleware below and the dev host's HTTP adapter): for a
/// route with <see cref="RequiresAttribute"/> it proves the caller through the registered <see cref="ICallerSource"/>s
/// (first that recognises the request wins; a refused credential ends it), reads their grants from storage, and
/// answers 401 (no or an invalid credential) or 403 (outside the role or scope) before the function runs.
/// </summary>
public sealed class AccessGate(IEnumerable<ICallerSource> sources, GrantStore grants, ConfiguredGrants configured, IServiceProvider services, ILogger<AccessGate> logger)
{
    private static readonly ConcurrentDictionary<MethodInfo, RequiresAttribute?> Requirements = new();

    public static RequiresAttribute? RequirementOf(MethodInfo method) => Requirements.GetOrAdd(method, m => m.GetCustomAttribute<RequiresAttribute>());

    /// <summary>Null when the request may go on (and <see cref="RequestCaller"/>/<see cref="RequestAccess"/> are set);
    /// otherwise the answer to send.</summary>
    public async Task<IActionResult?> CheckAsync(HttpRequest request, RequiresAttribute requirement, Func<string, string?> routeValue, CancellationToken cancellationToken)
    {
        if (request.Query.ContainsKey("code"))
        {
            return Unauthorized(request, "key_in_url", nameof(Texts.Access_KeyInUrl));
        }

        AuthenticatedUser? user = null;
        foreach (var source in sources)
        {
            var result = await source.AuthenticateAsync(request, cancellationToken);
            if (result.RefusalCode is { } code)
            {
                logger.LogInformation("Access refused: {Source} refused the credential ({Code})", source.GetType().Name, code);
                return Unauthorized(request, code, nameof(Texts.Access_SignInInvalid));
            }

            if (result.User is not null)
            {
                user = result.User;
                break;
            }
        }

        if (user is null)
        {
            return Unauthorized(request, "sign_in_required", nameof(Texts.Access_SignInRequired));
        }

        RequestCaller.Set(request, user);
        var all = configured.For(user).Concat(await grants.ForUserAsync(user, cancellationToken)).ToList();
        var access = new CallerAccess(user, all);
        RequestAccess.Set(request, access);

        string? cycleId = null, sessionId = null;
        switch (requirement.Scope)
        {
            case AccessScope.Cycle:
                cycleId = routeValue("cycleId");
                break;
            case AccessScope.Session:
                cycleId = routeValue("cycleId");
                sessionId = routeValue("sessionId");
                break;
            case AccessScope.CertificateCycle:
                // Only grants for all cycles can reach a certificate whose cycle is unknown (and then hear 404).
                if (routeValue("certificateId") is { Length: > 0 } certificateId && services.GetService<ICertificateCycleLookup>() is { } lookup)
                {
                    cycleId = await lookup.CycleOfAsync(certificateId, cancellationToken);
                }

                break;
        }

        if (access.Allows(requirement.Permission, requirement.Scope, cycleId, sessionId))
        {
            return null;
        }

        // No user id in the log (it can be an email address); the method and what was missing are enough to operate.
        logger.LogInformation("Access refused: a {Method} caller with {GrantCount} grants lacks {Permission} ({Scope}) for cycle {CycleId} session {SessionId}", user.Method, all.Count, requirement.Permission, requirement.Scope, cycleId, sessionId);
        var where = requirement.Scope is AccessScope.AllCycles ? nameof(Texts.Access_Where_AllCycles) : cycleId is null ? null : nameof(Texts.Access_Where_ThisCycle);
        return Refusal(request, StatusCodes.Status403Forbidden, "forbidden", nameof(Texts.Access_Forbidden), [Describe(requirement.Permission), where],
            new { permission = Camel(requirement.Permission), cycleId, sessionId });
    }

    public static string Camel(Permission permission) => char.ToLowerInvariant(permission.ToString()[0]) + permission.ToString()[1..];

    /// <summary>What the permission lets a person do, as the catalog key of the phrase in "Peran Anda tidak mengizinkan …".</summary>
    private static string Describe(Permission permission) => permission switch
    {
        Permission.ListCycles or Permission.ViewCycle => nameof(Texts.Access_Permission_ViewCycle),
        Permission.ViewReports => nameof(Texts.Access_Permission_ViewReports),
        Permission.ViewParticipants => nameof(Texts.Access_Permission_ViewParticipants),
        Permission.ViewPersonalData => nameof(Texts.Access_Permission_ViewPersonalData),
        Permission.RunCycle => nameof(Texts.Access_Permission_RunCycle),
        Permission.CreateCycle => nameof(Texts.Access_Permission_CreateCycle),
        Permission.TeachSession => nameof(Texts.Access_Permission_TeachSession),
        Permission.ManageAccess => nameof(Texts.Access_Permission_ManageAccess),
        Permission.ViewAudit => nameof(Texts.Access_Permission_ViewAudit),
        _ => nameof(Texts.Access_Permission_Other),
    };

    private static IActionResult Unauthorized(HttpRequest request, string code, string key) =>
        Refusal(request, StatusCodes.Status401Unauthorized, code, key, [], new { signIn = SignInLinks.For(request) });

    /// <summary>The refusal as a page (for a browser) or the JSON error; <paramref name="phrases"/> are catalog keys
    /// of the phrases filled into the text's placeholders, in the same language (null: nothing).</summary>
    private static IActionResult Refusal(HttpRequest request, int status, string code, string key, string?[] phrases, object details)
    {
        object?[] Args(string lang) => [.. phrases.Select(p => p is null ? "" : Text.Get(lang, p))];
        string In(string lang) => Text.Get(lang, key, Args(lang));
        if (request.Headers.Accept.Any(a => a?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true))
        {
            var lang = Pages.Language(request);
            return View.Message(lang, status,
                status == StatusCodes.Status401Unauthorized ? nameof(Texts.Access_SignInNeeded_Title) : nameof(Texts.Access_NotAllowed_Title),
                key, Args(lang));
        }

        return new ObjectResult(new { error = new ApiError(code, In("id"), In("en"), details) }) { StatusCode = status };
    }
}

/// <summary>Where people sign in: the platform's Easy Auth login (the dev host's emulator locally) where it is on,
/// and the email sign-in page.</summary>
public static class SignInLinks
{
    public const string EasyAuthLogin = "/.auth/login/aad";
    public const string EasyAuthLogout = "/.auth/logout";
    public const string EmailSignIn = "/api/signin";

    public static object[] For(HttpRequest request)
    {
        var easyAuth = request.HttpContext.RequestServices?.GetService<IEnumerable<ICallerSource>>()?.OfType<EasyAuthPrincipalSource>().Any(s => s.Enabled) == true;
        return easyAuth
            ? [new { method = "easyauth", url = EasyAuthLogin }, new { method = "email", url = EmailSignIn }]
            : [new { method = "email", url = EmailSignIn }];
    }
}

/// <summary>Functions-host side of <see cref="AccessGate"/>: runs it for every HTTP function that declares a requirement.</summary>
public sealed class AccessGateMiddleware : IFunctionsWorkerMiddleware
{
    private static readonly ConcurrentDictionary<string, MethodInfo?> Methods = new(StringComparer.Ordinal);

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is { } http && MethodOf(context.FunctionDefinition) is { } method && AccessGate.RequirementOf(method) is { } requirement)
        {
            var gate = context.InstanceServices.GetRequiredService<AccessGate>();
            var data = context.BindingContext.BindingData;
            var refusal = await gate.CheckAsync(http.Request, requirement, name => data.TryGetValue(name, out var v) ? v?.ToString() : null, context.CancellationToken);
            if (refusal is not null)
            {
                context.GetInvocationResult().Value = refusal;
                return;
            }
        }

        await next(context);
    }

    /// <summary>The method behind a function (entry point "Namespace.Type.Method", as in functions.metadata).</summary>
    public static MethodInfo? MethodOf(FunctionDefinition definition) => Methods.GetOrAdd(definition.EntryPoint, entryPoint =>
    {
        var dot = entryPoint.LastIndexOf('.');
        var type = dot > 0 ? typeof(AccessGate).Assembly.GetType(entryPoint[..dot]) : null;
        return type?.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .FirstOrDefault(m => m.Name == entryPoint[(dot + 1)..] && m.GetCustomAttribute<FunctionAttribute>()?.Name == definition.Name);
    });
}
