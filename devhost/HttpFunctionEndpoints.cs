using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace TrainingCycles.DevHost;

/// <summary>Maps every <c>httpTrigger</c> function to <c>{routePrefix}/{route}</c> for its methods.</summary>
internal static class HttpFunctionEndpoints
{
    public const string FunctionKeyHeader = "x-functions-key";

    public static void Map(IEndpointRouteBuilder endpoints, FunctionCatalog catalog, string routePrefix, FunctionKeys keys)
    {
        foreach (var function in catalog.Functions.Where(f => f.Kind == FunctionKind.Http))
        {
            var pattern = "/" + string.Join('/', new[] { routePrefix.Trim('/'), function.Route.Trim('/') }.Where(s => s.Length > 0));
            endpoints.MapMethods(pattern, function.HttpMethods, context => InvokeAsync(context, function, keys))
                .WithDisplayName(function.Name)
                .WithMetadata(function);
        }
    }

    private static async Task InvokeAsync(HttpContext context, FunctionDescriptor function, FunctionKeys keys)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Function." + function.Name);
        if (!function.IsAnonymous && !keys.Authorize(context.Request, function.Trigger.AuthLevel))
        {
            // The Functions host answers 401 with an empty body; so do we.
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        TrainingCycles.Infrastructure.DependencyFailures.DefaultHeaders(context.Response);
        var parameters = function.Method.GetParameters();
        var args = new object?[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = parameters[i];
            if (parameter.ParameterType == typeof(HttpRequest))
            {
                args[i] = context.Request;
            }
            else if (parameter.ParameterType == typeof(CancellationToken))
            {
                args[i] = context.RequestAborted;
            }
            else if (parameter.GetCustomAttribute<DurableClientAttribute>() is not null)
            {
                args[i] = context.RequestServices.GetRequiredService<DurableTaskClient>();
            }
            else if (!ParameterBinder.TryConvertRouteValue(context.GetRouteValue(parameter.Name!), parameter.ParameterType, out args[i]))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
        }

        IActionResult? result;
        try
        {
            // The same access gate the function app's middleware runs: 401/403 before the function, from [Requires].
            if (TrainingCycles.Identity.AccessGate.RequirementOf(function.Method) is { } requirement &&
                await context.RequestServices.GetRequiredService<TrainingCycles.Identity.AccessGate>().CheckAsync(
                    context.Request, requirement, name => context.GetRouteValue(name)?.ToString(), context.RequestAborted) is { } refusal)
            {
                await refusal.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
                return;
            }

            var target = function.Method.IsStatic ? null : ActivatorUtilities.CreateInstance(context.RequestServices, function.Method.DeclaringType!);
            var returned = function.Method.Invoke(target, BindingFlags.DoNotWrapExceptions, null, args, null);
            result = await ParameterBinder.AwaitResultAsync(returned) as IActionResult;
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested && TrainingCycles.Infrastructure.DependencyFailures.IsUnreadableRequest(e))
        {
            // Same as the function app's middleware: a malformed body is the client's problem → 400.
            logger.LogInformation("Function {Function} got an unreadable body ({Error}); answering 400", function.Name, e.GetType().Name);
            result = TrainingCycles.Infrastructure.DependencyFailures.UnreadableRequest(context.Request);
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested && TrainingCycles.Infrastructure.DependencyFailures.IsUnavailable(e))
        {
            // Same answer as the function app's middleware: storage or the engine is briefly away → 503, not 500.
            logger.LogWarning(e, "Function {Function} could not reach a dependency; answering 503", function.Name);
            result = TrainingCycles.Infrastructure.DependencyFailures.Result(context.Request);
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            // Like the Functions host: the details go to the log, never to the caller.
            logger.LogError(e, "Function {Function} failed", function.Name);
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }

            return;
        }

        if (result is null)
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        await result.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
    }
}

/// <summary>Local stand-in for the host's keys: a function key and a master key from local configuration.</summary>
internal sealed class FunctionKeys(string functionKey, string masterKey)
{

    public bool Authorize(HttpRequest request, string? authLevel)
    {
        var presented = request.Headers[HttpFunctionEndpoints.FunctionKeyHeader].FirstOrDefault() ?? request.Query["code"].FirstOrDefault();
        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }

        var admin = string.Equals(authLevel, "admin", StringComparison.OrdinalIgnoreCase);
        return Matches(presented, masterKey) || (!admin && Matches(presented, functionKey));
    }

    private static bool Matches(string presented, string expected) =>
        expected.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));
}
