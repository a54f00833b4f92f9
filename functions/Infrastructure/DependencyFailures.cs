using System.Net.Sockets;
using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using TrainingCycles.Infrastructure.Views;

namespace TrainingCycles.Infrastructure;

/// <summary>
/// When storage or the workflow engine is briefly unreachable, callers get a clear 503 with Retry-After —
/// a page for browsers, JSON for the API — instead of a 500. Used by the Functions middleware below and by the
/// dev host's HTTP adapter, so both hosts answer the same.
/// </summary>
public static class DependencyFailures
{
    public static bool IsUnavailable(Exception e) => e switch
    {
        RequestFailedException r => r.Status is 0 or 408 or 500 or 502 or 503 or 504 || r.InnerException is not null && IsUnavailable(r.InnerException),
        AggregateException a => a.InnerExceptions.Any(IsUnavailable),
        HttpRequestException or SocketException or TimeoutException => true,
        TaskCanceledException t => t.InnerException is TimeoutException || !t.CancellationToken.IsCancellationRequested,
        _ when e.GetType().FullName == "Grpc.Core.RpcException" => true,
        _ => e.InnerException is not null && IsUnavailable(e.InnerException),
    };

    /// <summary>A body the server could not read (malformed multipart, bad form encoding, a truncated stream):
    /// the client's fault, answered 400 — never a 500.</summary>
    public static bool IsUnreadableRequest(Exception e) =>
        e is InvalidDataException or BadHttpRequestException || (e is IOException && e is not FileNotFoundException && e.InnerException is not System.Net.Sockets.SocketException);

    public static IActionResult UnreadableRequest(HttpRequest request)
    {
        var wantsHtml = request.Headers.Accept.Any(a => a?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true) || request.HasFormContentType;
        if (wantsHtml)
        {
            var lang = Pages.Language(request);
            return View.Message(lang, StatusCodes.Status400BadRequest, nameof(Texts.Page_Unreadable_Title), nameof(Texts.Page_Unreadable_Text));
        }

        return Http.Error(StatusCodes.Status400BadRequest, "unreadable_body", nameof(Texts.Error_UnreadableBody));
    }

    /// <summary>Every answer: not sniffed, and not cached unless the function says otherwise (organizer answers
    /// carry personal data). Set before the function runs, so a function can still choose its own caching.</summary>
    public static void DefaultHeaders(HttpResponse response)
    {
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.CacheControl = "no-store";
    }

    public static IActionResult Result(HttpRequest request)
    {
        request.HttpContext.Response.Headers.RetryAfter = "10";
        // Browsers ask for HTML; a form post comes from one of our pages even when a client omits Accept.
        var wantsHtml = request.Headers.Accept.Any(a => a?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true) || request.HasFormContentType;
        if (wantsHtml)
        {
            var lang = Pages.Language(request);
            return View.Retry(lang, StatusCodes.Status503ServiceUnavailable, nameof(Texts.Page_Unavailable_Title), nameof(Texts.Page_Unavailable_Text));
        }

        return Http.Error(StatusCodes.Status503ServiceUnavailable, "unavailable", nameof(Texts.Error_Unavailable));
    }
}

/// <summary>Functions-host side of <see cref="DependencyFailures"/>: turns an unavailable dependency into a 503.</summary>
public sealed class DependencyFailureMiddleware(ILogger<DependencyFailureMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is { } httpContext)
        {
            DependencyFailures.DefaultHeaders(httpContext.Response);
        }

        try
        {
            await next(context);
        }
        catch (Exception e) when (DependencyFailures.IsUnreadableRequest(e) && context.GetHttpContext() is { } http)
        {
            logger.LogInformation("Function {Function} got an unreadable body ({Error}); answering 400", context.FunctionDefinition.Name, e.GetType().Name);
            context.GetInvocationResult().Value = DependencyFailures.UnreadableRequest(http.Request);
        }
        catch (Exception e) when (DependencyFailures.IsUnavailable(e) && context.GetHttpContext() is { } http)
        {
            logger.LogWarning(e, "Function {Function} could not reach a dependency; answering 503", context.FunctionDefinition.Name);
            context.GetInvocationResult().Value = DependencyFailures.Result(http.Request);
        }
    }
}
