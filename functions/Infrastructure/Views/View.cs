using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace TrainingCycles.Infrastructure.Views;

/// <summary>The text of a short message page, already in the page's language.</summary>
public sealed record MessageModel(string Title, string Text);

/// <summary>
/// What a trigger returns for a page: <c>View.Page&lt;TView&gt;(lang, model, status)</c>, or
/// <c>View.Message(lang, status, titleKey, textKey, args…)</c> for a page that says one thing. The view is rendered
/// (Razor, encoded by default) when the result runs, with the security headers set in the same step.
/// </summary>
public static class View
{
    public static PageResult Page<TView>(string lang, object? model = null, int status = StatusCodes.Status200OK)
        where TView : IComponent =>
        new(typeof(TView), model is null ? new Dictionary<string, object?>() : new Dictionary<string, object?> { ["Model"] = model }, lang, status);

    /// <summary>The organizer dashboard's shell: rendered like a page, with the app's security headers
    /// (<see cref="SecurityHeaders.ForApp"/>: its own script and stylesheet files, the camera for door scans).</summary>
    public static PageResult App<TView>(string lang, object model)
        where TView : IComponent =>
        new(typeof(TView), new Dictionary<string, object?> { ["Model"] = model }, lang, StatusCodes.Status200OK, app: true);

    /// <summary>A heading and a paragraph, both from the catalog; <paramref name="textArgs"/> fill the paragraph's placeholders.</summary>
    public static PageResult Message(string lang, int status, string titleKey, string textKey, params object?[] textArgs) =>
        Page<MessagePage>(lang, new MessageModel(Text.Get(lang, titleKey), Text.Get(lang, textKey, textArgs)), status);

    /// <summary>Like <see cref="Message"/>, with the person's form answers kept behind a "send again" button.</summary>
    public static PageResult Retry(string lang, int status, string titleKey, string textKey, params object?[] textArgs) =>
        Page<RetryPage>(lang, new MessageModel(Text.Get(lang, titleKey), Text.Get(lang, textKey, textArgs)), status);

    /// <summary>Renders a view to HTML for the given request (used by <see cref="PageResult"/>; tests may call it too).</summary>
    public static async Task<string> RenderAsync(Type view, IReadOnlyDictionary<string, object?> parameters, PageContext page)
    {
        await using var renderer = new HtmlRenderer(Services, NullLoggerFactory.Instance);
        return await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var root = await renderer.RenderComponentAsync<PageRoot>(ParameterView.FromDictionary(new Dictionary<string, object?>
            {
                [nameof(PageRoot.Page)] = page,
                [nameof(PageRoot.View)] = view,
                [nameof(PageRoot.Parameters)] = parameters,
            }));
            return root.ToHtmlString();
        });
    }

    // Views inject nothing: what they show arrives in their model. The renderer still wants a provider.
    private static readonly IServiceProvider Services = new ServiceCollection().BuildServiceProvider();
}

/// <summary>A page to render: the view, its parameters, the language and the status code.</summary>
public sealed class PageResult(Type view, IReadOnlyDictionary<string, object?> parameters, string lang, int status, bool app = false) : IActionResult
{
    public Type ViewType => view;

    public int StatusCode => status;

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var http = context.HttpContext;
        var page = new PageContext(lang, http.Request);
        var html = await View.RenderAsync(view, parameters, page);
        if (app)
        {
            SecurityHeaders.ForApp(http.Response);
        }
        else
        {
            SecurityHeaders.ForPage(http.Response, page.ScriptNonce);
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        await http.Response.WriteAsync(html, http.RequestAborted);
    }
}
