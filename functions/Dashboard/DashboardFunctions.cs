using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Net.Http.Headers;
using TrainingCycles.Dashboard.Views;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;

namespace TrainingCycles.Dashboard;

/// <summary>
/// The organizer dashboard: an anonymous shell with no data (a view, <c>Views/DashboardShell.razor</c>, carrying the
/// dashboard's words from the catalog), and its script and stylesheet. Everything the page shows comes from the API
/// as the signed-in person. The assets are constants, addressed by content hash and cached for a year.
/// </summary>
public sealed class DashboardFunctions
{
    // The script and stylesheet are files (Dashboard/Assets), embedded in the build and linted by the test command.
    public static readonly DashboardAsset Script = new(EmbeddedText.Read("TrainingCycles.Dashboard.Assets.dashboard.js"), "text/javascript; charset=utf-8");
    public static readonly DashboardAsset Styles = new(EmbeddedText.Read("TrainingCycles.Dashboard.Assets.dashboard.css"), "text/css; charset=utf-8");

    [Function(nameof(DashboardPage))]
    public IActionResult DashboardPage([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard")] HttpRequest request)
    {
        // Bahasa Indonesia by default, whatever the browser's locale: staff switch with the English button (the
        // script remembers the choice) or a ?lang=en link. Accept-Language is not a choice the person made here.
        var lang = request.Query["lang"].FirstOrDefault() == "en" ? "en" : "id";
        var self = (request.PathBase + request.Path).Value?.TrimEnd('/') ?? "/api/dashboard";
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        return View.App<DashboardShell>(lang, new DashboardShell.Data(self + "/app.css?v=" + Styles.Hash, self + "/app.js?v=" + Script.Hash, TextsJson));
    }

    /// <summary>The dashboard's words in both languages, from the catalog (keys "Dash_…"), as the shell carries them.</summary>
    public static readonly string TextsJson = JsonSerializer.Serialize(Text.Languages.ToDictionary(l => l, l => Text.WithPrefix(l, "Dash_")));

    [Function(nameof(DashboardScriptFile))]
    public IActionResult DashboardScriptFile([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/app.js")] HttpRequest request) =>
        Script.Serve(request);

    [Function(nameof(DashboardStylesFile))]
    public IActionResult DashboardStylesFile([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/app.css")] HttpRequest request) =>
        Styles.Serve(request);

    /// <summary>The dashboard's headers: <see cref="Infrastructure.SecurityHeaders.ForApp"/>. Cache-Control is the caller's.</summary>
    public static void SecurityHeaders(HttpResponse response) => Infrastructure.SecurityHeaders.ForApp(response);
}

/// <summary>A static text asset with a strong ETag from its content hash.</summary>
public sealed class DashboardAsset
{
    private readonly byte[] _bytes;
    private readonly string _contentType;

    public DashboardAsset(string source, string contentType)
    {
        _bytes = Encoding.UTF8.GetBytes(source);
        _contentType = contentType;
        Hash = Convert.ToHexString(SHA256.HashData(_bytes))[..16].ToLowerInvariant();
    }

    /// <summary>First 64 bits of the SHA-256 of the content, hex: the cache-busting version and the ETag.</summary>
    public string Hash { get; }

    public string ETag => "\"" + Hash + "\"";

    public IActionResult Serve(HttpRequest request)
    {
        var response = request.HttpContext.Response;
        DashboardFunctions.SecurityHeaders(response);
        response.Headers.ETag = ETag;
        // The page asks for ?v={hash}: that exact content never changes, so it may be kept for a year. Any other
        // request (no or an old version) revalidates with the ETag.
        response.Headers.CacheControl = request.Query["v"] == Hash ? "public, max-age=31536000, immutable" : "no-cache";
        var tag = new EntityTagHeaderValue(ETag);
        if (request.GetTypedHeaders().IfNoneMatch?.Any(e => e.Equals(EntityTagHeaderValue.Any) || e.Compare(tag, useStrongComparison: false)) == true)
        {
            return new StatusCodeResult(StatusCodes.Status304NotModified);
        }

        return new FileContentResult(_bytes, _contentType);
    }
}
