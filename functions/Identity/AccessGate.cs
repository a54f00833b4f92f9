using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TrainingCycles.Infrastructure;

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
            return Unauthorized(request, "key_in_url",
                "Kunci tidak diterima di alamat (URL). Kirim kunci otomasi di header x-functions-key, atau masuk sebagai orang.",
                "Keys are not accepted in the URL. Send an automation key in the x-functions-key header, or sign in as a person.");
        }

        AuthenticatedUser? user = null;
        foreach (var source in sources)
        {
            var result = await source.AuthenticateAsync(request, cancellationToken);
            if (result.RefusalCode is { } code)
            {
                logger.LogInformation("Access refused: {Source} refused the credential ({Code})", source.GetType().Name, code);
                return Unauthorized(request, code,
                    "Tanda masuk Anda tidak sah atau sudah kedaluwarsa. Masuk lagi.",
                    "Your sign-in is not valid or has expired. Sign in again.");
            }

            if (result.User is not null)
            {
                user = result.User;
                break;
            }
        }

        if (user is null)
        {
            return Unauthorized(request, "sign_in_required", "Masuk dulu untuk membuka halaman ini.", "Sign in to open this.");
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
        var (what, whatEn) = Describe(requirement.Permission);
        var where = requirement.Scope is AccessScope.AllCycles ? (" untuk semua pelatihan", " for all cycles") : cycleId is null ? ("", "") : (" pada pelatihan ini", " in this cycle");
        return Refusal(request, StatusCodes.Status403Forbidden, "forbidden",
            $"Peran Anda tidak mengizinkan {what}{where.Item1}. Minta administrator memberi peran yang sesuai.",
            $"Your role does not allow you to {whatEn}{where.Item2}. Ask an administrator for the right role.",
            new { permission = Camel(requirement.Permission), cycleId, sessionId });
    }

    public static string Camel(Permission permission) => char.ToLowerInvariant(permission.ToString()[0]) + permission.ToString()[1..];

    private static (string Id, string En) Describe(Permission permission) => permission switch
    {
        Permission.ListCycles or Permission.ViewCycle => ("melihat pelatihan", "see this cycle"),
        Permission.ViewReports => ("melihat ringkasan dan laporan", "see summaries and reports"),
        Permission.ViewParticipants => ("melihat daftar peserta", "see the participant list"),
        Permission.ViewPersonalData => ("melihat data pribadi peserta", "see participants' personal data"),
        Permission.RunCycle => ("mengelola pelatihan", "run this cycle"),
        Permission.CreateCycle => ("membuat pelatihan", "create cycles"),
        Permission.TeachSession => ("mengelola presensi sesi ini", "manage this session's attendance"),
        Permission.ManageAccess => ("mengatur peran pengguna", "manage who has which role"),
        Permission.ViewAudit => ("melihat jejak audit", "see the audit trail"),
        _ => ("tindakan ini", "do this"),
    };

    private static IActionResult Unauthorized(HttpRequest request, string code, string message, string messageEn) =>
        Refusal(request, StatusCodes.Status401Unauthorized, code, message, messageEn, new { signIn = SignInLinks.For(request) });

    private static IActionResult Refusal(HttpRequest request, int status, string code, string message, string messageEn, object details)
    {
        if (request.Headers.Accept.Any(a => a?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true))
        {
            var lang = Pages.Language(request);
            return Pages.Message(request, lang, status,
                status == StatusCodes.Status401Unauthorized ? "Perlu masuk" : "Tidak diizinkan",
                status == StatusCodes.Status401Unauthorized ? "Sign-in needed" : "Not allowed",
                message, messageEn);
        }

        return Http.Error(status, code, message, messageEn, details);
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
