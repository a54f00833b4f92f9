using System.Net;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using TrainingCycles.DevHost;
using TrainingCycles.DevHost.MailSink;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Identity;

/// <summary>Helpers for the email sign-in tests: a browser-like client that keeps no cookies of its own (each test
/// says which cookie it sends) and follows no redirects, and the dev host outbox as the person's inbox.</summary>
internal static partial class SignIn
{
    public const string Admin = "admin@bpsdm.kalteng.example";
    public const string SecondAdmin = "kepala@bpsdm.kalteng.example";

    public static Dictionary<string, string?> Settings(string? extra = null) => new()
    {
        [FirstAdministratorsEligibility.SettingName.Replace(":", "__", StringComparison.Ordinal)] = Admin + ", " + SecondAdmin + (extra is null ? "" : ", " + extra),
    };

    public static HttpClient Client(string baseUrl) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(baseUrl + "/"), Timeout = TimeSpan.FromSeconds(60) };

    public static Task<HttpResponseMessage> RequestLinkAsync(HttpClient client, string email, string lang = "id") =>
        client.PostAsync("api/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = email, ["lang"] = lang }));

    public static IReadOnlyList<Delivery> SignInMails(MailSinkStore outbox, string to) =>
        [.. outbox.Deliveries.Where(d => d.CustomArgs.GetValueOrDefault("k") == MailKinds.SignIn && d.To == to)];

    /// <summary>Waits until <paramref name="count"/> sign-in mails reached <paramref name="to"/>; returns the link of the last.</summary>
    public static async Task<string> WaitForLinkAsync(MailSinkStore outbox, string to, int count = 1)
    {
        for (var i = 0; i < 200; i++)
        {
            var mails = SignInMails(outbox, to);
            if (mails.Count >= count)
            {
                return LinkIn(mails[count - 1].Text!);
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{count} sign-in mail(s) to {to} did not arrive; the outbox holds {outbox.Deliveries.Count} deliveries");
    }

    public static string LinkIn(string text) => LinkPattern().Match(text).Value;

    public static string TokenOf(string link) => Uri.UnescapeDataString(Regex.Match(link, "[?&]t=([^&]+)").Groups[1].Value);

    /// <summary>What the "Masuk" button posts: the token in the body, from this app's own origin.</summary>
    public static Task<HttpResponseMessage> RedeemAsync(HttpClient client, string token, string? origin = "self")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/signin/link")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["t"] = token, ["lang"] = "id" }),
        };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin == "self" ? client.BaseAddress!.GetLeftPart(UriPartial.Authority) : origin);
        }

        return client.SendAsync(request);
    }

    /// <summary>The session cookie's <c>name=value</c> from a response's Set-Cookie, or null.</summary>
    public static string? SessionCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.Select(v => v.Split(';')[0]).FirstOrDefault(v => v.StartsWith(SessionCookies.LocalCookieName + "=", StringComparison.Ordinal) && v.Length > SessionCookies.LocalCookieName.Length + 1)
            : null;

    public static Task<HttpResponseMessage> SessionAsync(HttpClient client, string cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "api/signin/session");
        request.Headers.Add("Cookie", cookie);
        return client.SendAsync(request);
    }

    /// <summary>Signs <paramref name="email"/> in through the real flow; returns the cookie.</summary>
    public static async Task<string> SignInAsync(HttpClient client, MailSinkStore outbox, string email)
    {
        var before = SignInMails(outbox, email).Count;
        Assert.Equal(HttpStatusCode.OK, (await RequestLinkAsync(client, email)).StatusCode);
        var link = await WaitForLinkAsync(outbox, email, before + 1);
        var redeemed = await RedeemAsync(client, TokenOf(link));
        Assert.Equal(HttpStatusCode.SeeOther, redeemed.StatusCode);
        return SessionCookie(redeemed) ?? throw new InvalidOperationException("no session cookie");
    }

    public static async Task<List<TableEntity>> RowsAsync(TestWorld world, string partitionPrefix)
    {
        var table = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.SignIn);
        return [.. table.Query<TableEntity>().Where(e => e.PartitionKey.StartsWith(partitionPrefix, StringComparison.Ordinal))];
    }

    [GeneratedRegex(@"https?://\S+/api/signin/link\?t=[^\s""<]+")]
    private static partial Regex LinkPattern();
}
