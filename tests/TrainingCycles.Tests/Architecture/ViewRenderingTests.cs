using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;

namespace TrainingCycles.Tests.Architecture;

/// <summary>The view plumbing itself: views encode what they show, the layout carries the language, and the page
/// result sets the security headers (a script nonce only when the page has a script).</summary>
public sealed class ViewRenderingTests
{
    [Fact]
    public async Task AMessagePageEncodesItsTextAndCarriesTheLanguageAndTheHeaders()
    {
        var (html, response) = await ExecuteAsync(View.Page<MessagePage>("en", new MessageModel("<script>alert(1)</script>", "Tom & \"Jerry\" <b>")), new DefaultHttpContext());

        Assert.StartsWith("<!doctype html>", html, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.Contains(">Skip to content</a>", html, StringComparison.Ordinal);
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl.ToString());
        Assert.Equal("DENY", response.Headers["X-Frame-Options"].ToString());
        Assert.Contains("script-src 'none'", response.Headers.ContentSecurityPolicy.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMessageFromTheCatalogIsInTheRequestedLanguage()
    {
        var (id, _) = await ExecuteAsync(View.Message("id", 503, nameof(Texts.Page_Unavailable_Title), nameof(Texts.Page_Unavailable_Text)), new DefaultHttpContext());
        var (en, response) = await ExecuteAsync(View.Message("en", 503, nameof(Texts.Page_Unavailable_Title), nameof(Texts.Page_Unavailable_Text)), new DefaultHttpContext());

        Assert.Contains("<html lang=\"id\">", id, StringComparison.Ordinal);
        Assert.Contains("<h1>Layanan sedang sibuk</h1>", id, StringComparison.Ordinal);
        Assert.Contains("<h1>Service briefly unavailable</h1>", en, StringComparison.Ordinal);
        Assert.Equal(503, response.StatusCode);
    }

    [Fact]
    public async Task ARetryPageKeepsTheAnswersEncodedAndNeverEchoesTheHoneypot()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Path = "/api/cycles/c1/register";
        context.Request.QueryString = new QueryString("?manage=a&b=\"x\"");
        context.Features.Set<IFormFeature>(new FormFeature(new FormCollection(new Dictionary<string, StringValues>
        {
            ["fullName"] = "\"><script>alert(1)</script>",
            ["website"] = "bot-was-here",
        })));

        var (html, _) = await ExecuteAsync(View.Retry("id", 503, nameof(Texts.Page_Unavailable_Title), nameof(Texts.Page_Unavailable_Text)), context);

        Assert.Contains("name=\"fullName\" value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("bot-was-here", html, StringComparison.Ordinal);
        Assert.Contains("action=\"/api/cycles/c1/register?manage=a&amp;b=&quot;x&quot;\"", html, StringComparison.Ordinal);
        Assert.Contains(">Kirim lagi</button>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APageWithAScriptGetsANonceThatTheHeadersAllow()
    {
        // No page has a script today; the layout's script path stays correct for the first that does.
        var layout = new PageResult(typeof(Layout), new Dictionary<string, object?> { [nameof(Layout.Title)] = "t", [nameof(Layout.Script)] = "console.log('</script>')" }, "id", 200);
        var (html, response) = await ExecuteAsync(layout, new DefaultHttpContext());

        var csp = response.Headers.ContentSecurityPolicy.ToString();
        var nonce = csp.Split("'nonce-")[1].Split('\'')[0];
        Assert.True(html.Contains($"<script nonce=\"{nonce}\">console.log('<\\/script>')</script>", StringComparison.Ordinal), html[^300..]);
    }

    [Fact]
    public void TheDashboardCanBeServedItsTextsByPrefix()
    {
        var texts = Text.WithPrefix("en", "Reg_Status_");
        Assert.Equal("Confirmed", texts[nameof(Texts.Reg_Status_Confirmed)]);
        Assert.Equal("Terkonfirmasi", Text.WithPrefix("id", "Reg_Status_")[nameof(Texts.Reg_Status_Confirmed)]);
        Assert.All(texts.Keys, k => Assert.StartsWith("Reg_Status_", k, StringComparison.Ordinal));
    }

    private static async Task<(string Html, HttpResponse Response)> ExecuteAsync(IActionResult result, HttpContext context)
    {
        var body = new MemoryStream();
        context.Response.Body = body;
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));
        return (System.Text.Encoding.UTF8.GetString(body.ToArray()), context.Response);
    }
}
