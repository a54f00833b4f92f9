using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using TrainingCycles.DevHost;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Attendance;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Identity;

/// <summary>
/// Email sign-in through the dev host (issue #18, "Bad input"): a link mailed only to addresses that may sign in,
/// redeemed once by a POST, exchanged for a session cookie that the session source accepts until it expires or is
/// signed out; forged, tampered, expired, replayed and cross-site credentials change nothing.
/// </summary>
public sealed class EmailSignInTests
{
    private static Task<TestWorld> StartAsync(TimeProvider? time = null) =>
        TestWorld.StartAsync(DurableBackend.InMemory, SignIn.Settings(), services: time is null ? null : s => s.AddSingleton(time));

    [Fact]
    public async Task ALinkOpenedByGetUsesNothingUpAndItsPostSignsInOnceWithAStrictHttpOnlyCookie()
    {
        await using var world = await StartAsync();
        using var client = SignIn.Client(world.Host.BaseUrl);

        Assert.Equal(HttpStatusCode.OK, (await SignIn.RequestLinkAsync(client, SignIn.Admin)).StatusCode);
        var link = await SignIn.WaitForLinkAsync(world.Host.Outbox, SignIn.Admin);
        // A mail scanner (or the person) opens the link twice: a page with a button, nothing used up.
        for (var i = 0; i < 2; i++)
        {
            var (page, html) = await Forms.GetAsync(client, link[link.IndexOf("api/", StringComparison.Ordinal)..]);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("post", html.QuerySelector("form")!.GetAttribute("method"));
            Assert.Equal(SignIn.TokenOf(link), html.QuerySelector("input[name=t]")!.GetAttribute("value"));
            Assert.Null(SignIn.SessionCookie(page));
        }

        Assert.Empty(await SignIn.RowsAsync(world, "link-"));

        var redeemed = await SignIn.RedeemAsync(client, SignIn.TokenOf(link));
        Assert.Equal(HttpStatusCode.SeeOther, redeemed.StatusCode);
        Assert.Equal("/api/dashboard", redeemed.Headers.Location!.OriginalString);
        var setCookie = Assert.Single(redeemed.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(SignIn.Admin, setCookie, StringComparison.OrdinalIgnoreCase); // encrypted, not just signed

        var cookie = SignIn.SessionCookie(redeemed)!;
        var session = await SignIn.SessionAsync(client, cookie);
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        using var json = JsonDocument.Parse(await session.Content.ReadAsStringAsync());
        Assert.Equal("email:" + SignIn.Admin, json.RootElement.GetProperty("userId").GetString());
        Assert.Equal(SignIn.Admin, json.RootElement.GetProperty("email").GetString());
        Assert.Equal("email", json.RootElement.GetProperty("method").GetString());
        var expires = json.RootElement.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expires - json.RootElement.GetProperty("signedInAt").GetDateTimeOffset(), TimeSpan.FromHours(8) - TimeSpan.FromSeconds(1), TimeSpan.FromHours(8));
    }

    [Fact]
    public async Task AReusedLinkIsRefusedWithConflictAndChangesNothing()
    {
        await using var world = await StartAsync();
        using var client = SignIn.Client(world.Host.BaseUrl);
        await SignIn.RequestLinkAsync(client, SignIn.Admin);
        var token = SignIn.TokenOf(await SignIn.WaitForLinkAsync(world.Host.Outbox, SignIn.Admin));
        Assert.Equal(HttpStatusCode.SeeOther, (await SignIn.RedeemAsync(client, token)).StatusCode);
        var usedRows = await SignIn.RowsAsync(world, "link-");

        var again = await SignIn.RedeemAsync(client, token);
        var (getAgain, _) = await Forms.GetAsync(client, "api/signin/link?t=" + Uri.EscapeDataString(token));

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Null(SignIn.SessionCookie(again));
        Assert.Contains("sudah dipakai", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, getAgain.StatusCode); // the GET page says nothing about use; the POST decides
        var after = await SignIn.RowsAsync(world, "link-");
        Assert.Equal(usedRows.Select(r => (r.PartitionKey, r.RowKey, r.ETag)), after.Select(r => (r.PartitionKey, r.RowKey, r.ETag)));
    }

    [Fact]
    public async Task AnExpiredLinkIsRefusedOnGetAndPostAndUsesNothingUp()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var world = await StartAsync(clock);
        using var client = SignIn.Client(world.Host.BaseUrl);
        await SignIn.RequestLinkAsync(client, SignIn.Admin);
        var token = SignIn.TokenOf(await SignIn.WaitForLinkAsync(world.Host.Outbox, SignIn.Admin));

        clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
        var (page, _) = await Forms.GetAsync(client, "api/signin/link?t=" + Uri.EscapeDataString(token));
        var post = await SignIn.RedeemAsync(client, token);

        Assert.Equal(HttpStatusCode.Gone, page.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, post.StatusCode);
        Assert.Contains("kedaluwarsa", await post.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(SignIn.SessionCookie(post));
        Assert.Empty(await SignIn.RowsAsync(world, "link-"));
    }

    [Fact]
    public async Task ForgedAndTamperedLinksAreRefused()
    {
        await using var world = await StartAsync();
        using var client = SignIn.Client(world.Host.BaseUrl);
        await SignIn.RequestLinkAsync(client, SignIn.Admin);
        var token = SignIn.TokenOf(await SignIn.WaitForLinkAsync(world.Host.Outbox, SignIn.Admin));
        var flipped = token[..20] + (token[20] == 'A' ? 'B' : 'A') + token[21..];
        // Another key ring's link for the same address (an attacker's own app), and a participant-style HMAC token.
        var foreign = new EphemeralDataProtectionProvider().CreateProtector(EmailSignIn.LinkPurpose)
            .Protect(JsonSerializer.SerializeToUtf8Bytes(new { N = "nforged", E = SignIn.Admin, L = "id", X = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds() }));
        var hmac = world.Host.Services.GetRequiredService<Tokens>().Create("signin", "", SignIn.Admin, DateTimeOffset.UtcNow.AddMinutes(10));

        foreach (var bad in new[] { flipped, token[..^4], System.Buffers.Text.Base64Url.EncodeToString(foreign), hmac, "x", new string('A', 1200) })
        {
            var (page, _) = await Forms.GetAsync(client, "api/signin/link?t=" + Uri.EscapeDataString(bad));
            var post = await SignIn.RedeemAsync(client, bad);
            Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
            Assert.Null(SignIn.SessionCookie(post));
        }

        Assert.Empty(await SignIn.RowsAsync(world, "link-"));
        Assert.Equal(HttpStatusCode.SeeOther, (await SignIn.RedeemAsync(client, token)).StatusCode); // the real one still works
    }

    [Fact]
    public async Task ATamperedCookieIsRefusedByTheSessionRouteAndTheSource()
    {
        await using var world = await StartAsync();
        using var client = SignIn.Client(world.Host.BaseUrl);
        var cookie = await SignIn.SignInAsync(client, world.Host.Outbox, SignIn.Admin);
        var value = cookie[(cookie.IndexOf('=') + 1)..];
        var tampered = SessionCookies.LocalCookieName + "=" + value[..30] + (value[30] == 'A' ? 'B' : 'A') + value[31..];

        var response = await SignIn.SessionAsync(client, tampered);
        var source = world.Host.Services.GetRequiredService<SessionCookies>();
        var refused = await source.AuthenticateAsync(Request("GET", tampered), CancellationToken.None);
        var accepted = await source.AuthenticateAsync(Request("GET", cookie), CancellationToken.None);
        var none = await source.AuthenticateAsync(Request("GET", null), CancellationToken.None);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(SessionRefusals.Invalid, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(SessionRefusals.Invalid, refused.RefusalCode);
        Assert.Null(refused.User);
        Assert.Equal("email:" + SignIn.Admin, accepted.User!.UserId);
        Assert.Same(CallerResult.NotPresented, none);
        Assert.Contains(world.Host.Services.GetServices<ICallerSource>(), s => s is SessionCookies);
    }

    [Fact]
    public async Task ACookieCopiedBeforeSignOutIsRefusedAfterIt()
    {
        await using var world = await StartAsync();
        using var client = SignIn.Client(world.Host.BaseUrl);
        var cookie = await SignIn.SignInAsync(client, world.Host.Outbox, SignIn.Admin);
        Assert.Equal(HttpStatusCode.OK, (await SignIn.SessionAsync(client, cookie)).StatusCode);

        var signOut = new HttpRequestMessage(HttpMethod.Post, "api/signout") { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["lang"] = "id" }) };
        signOut.Headers.Add("Cookie", cookie);
        signOut.Headers.Add("Origin", world.Host.BaseUrl);
        var response = await client.SendAsync(signOut);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), v => v.StartsWith(SessionCookies.LocalCookieName + "=;", StringComparison.Ordinal));
        var stolenCopy = await SignIn.SessionAsync(client, cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, stolenCopy.StatusCode);
        Assert.Contains(SessionRefusals.Ended, await stolenCopy.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(SessionRefusals.Ended, (await world.Host.Services.GetRequiredService<SessionCookies>().AuthenticateAsync(Request("GET", cookie), CancellationToken.None)).RefusalCode);
        Assert.Single(await SignIn.RowsAsync(world, "session-"));
    }

    [Fact]
    public async Task TheDashboardSignsOutByFetchAndTheSessionRouteThenSaysNotSignedIn()
    {
        await using var world = await StartAsync();
        using var client = SignIn.Client(world.Host.BaseUrl);
        var cookie = await SignIn.SignInAsync(client, world.Host.Outbox, SignIn.Admin);

        var signOut = new HttpRequestMessage(HttpMethod.Post, "api/signout");
        signOut.Headers.Add("Cookie", cookie);
        signOut.Headers.Add("Sec-Fetch-Site", "same-origin"); // a same-origin fetch without a body
        signOut.Headers.Add("Accept", "application/json");
        var response = await client.SendAsync(signOut);
        var anonymous = await client.GetAsync("api/signin/session");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("signedOut").GetBoolean());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var error = JsonDocument.Parse(await anonymous.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("not_signed_in", error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("messageEn").GetString()));
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignIn.SessionAsync(client, cookie)).StatusCode);
    }

    [Fact]
    public async Task AnExpiredSessionIsRefused()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var world = await StartAsync(clock);
        using var client = SignIn.Client(world.Host.BaseUrl);
        var cookie = await SignIn.SignInAsync(client, world.Host.Outbox, SignIn.Admin);

        clock.Advance(TimeSpan.FromHours(8));
        var response = await SignIn.SessionAsync(client, cookie);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(SessionRefusals.Expired, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheFourthRequestForOneAddressInTheWindowGetsTheSamePageButNoMail()
    {
        await using var world = await StartAsync();
        using var client = SignIn.Client(world.Host.BaseUrl);
        var bodies = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var response = await SignIn.RequestLinkAsync(client, SignIn.Admin);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            bodies.Add(await response.Content.ReadAsStringAsync());
        }

        await SignIn.WaitForLinkAsync(world.Host.Outbox, SignIn.Admin, count: 3);
        // Another address is not held back by the first one's limit; once its mail is in, the first address's are too.
        await SignIn.RequestLinkAsync(client, SignIn.SecondAdmin);
        await SignIn.WaitForLinkAsync(world.Host.Outbox, SignIn.SecondAdmin);
        await Task.Delay(500);

        Assert.Single(bodies.Distinct());
        Assert.Equal(3, SignIn.SignInMails(world.Host.Outbox, SignIn.Admin).Count);
        Assert.Equal(3, (await SignIn.RowsAsync(world, "addr-" + Ids.IndexHash("signin", SignIn.Admin))).Count);
    }

    [Fact]
    public async Task ConcurrentRequestsOnTwoHostsStillSendAtMostTheLimit()
    {
        // Two hosts over one set of tables: the storage rows, not memory, hold the limit.
        await using var a = await StartAsync();
        var settings = SignIn.Settings();
        settings["SendGrid__HostOverride"] = a.Host.BaseUrl;
        await using var b = await TestWorld.StartAsync(DurableBackend.InMemory, settings, reuseId: a.Id);
        using var clientA = SignIn.Client(a.Host.BaseUrl);
        using var clientB = SignIn.Client(b.Host.BaseUrl);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => SignIn.RequestLinkAsync(i % 2 == 0 ? clientA : clientB, SignIn.Admin)));
        await SignIn.WaitForLinkAsync(a.Host.Outbox, SignIn.Admin, count: 3);
        await Task.Delay(1500);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(3, SignIn.SignInMails(a.Host.Outbox, SignIn.Admin).Count);
        Assert.Equal(3, (await SignIn.RowsAsync(a, "addr-")).Count);
    }

    [Fact]
    public async Task TheFormAnswersKnownAndUnknownAddressesAlikeAndMailsOnlyTheKnown()
    {
        await using var world = await StartAsync();
        using var client = SignIn.Client(world.Host.BaseUrl);

        var known = await SignIn.RequestLinkAsync(client, SignIn.Admin);
        var unknown = await SignIn.RequestLinkAsync(client, "orang.lain@example.org");
        var unknownEnglish = await SignIn.RequestLinkAsync(client, "someone@example.org", "en");
        var knownEnglish = await SignIn.RequestLinkAsync(client, SignIn.SecondAdmin, "en");
        await SignIn.WaitForLinkAsync(world.Host.Outbox, SignIn.Admin);
        await SignIn.WaitForLinkAsync(world.Host.Outbox, SignIn.SecondAdmin);

        Assert.Equal(known.StatusCode, unknown.StatusCode);
        Assert.Equal(await known.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());
        Assert.Equal(await knownEnglish.Content.ReadAsStringAsync(), await unknownEnglish.Content.ReadAsStringAsync());
        Assert.Equal(known.Content.Headers.ContentType, unknown.Content.Headers.ContentType);
        Assert.Equal(known.Headers.Select(h => h.Key).Order(), unknown.Headers.Select(h => h.Key).Order());
        Assert.Contains("If this address may sign in", await knownEnglish.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(world.Host.Outbox.Deliveries, d => d.To is "orang.lain@example.org" or "someone@example.org");
        var english = Assert.Single(SignIn.SignInMails(world.Host.Outbox, SignIn.SecondAdmin));
        Assert.Contains("lang=en", english.Text, StringComparison.Ordinal);
        Assert.Equal("Your sign-in link", english.Subject);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bukan-email")]
    [InlineData("a@b")]
    public async Task AMalformedAddressGetsABilingualFieldErrorAndNoRow(string email)
    {
        await using var world = await StartAsync();
        using var client = SignIn.Client(world.Host.BaseUrl);

        var (response, page) = await Forms.PostAsync(client, "api/signin", new Dictionary<string, string> { ["email"] = email });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull(page.QuerySelector("#email-error"));
        Assert.Empty(await SignIn.RowsAsync(world, ""));
    }

    [Fact]
    public async Task CookieAuthOnUnsafeMethodsNeedsThisAppsOrigin()
    {
        await using var world = await StartAsync();
        using var client = SignIn.Client(world.Host.BaseUrl);
        var cookie = await SignIn.SignInAsync(client, world.Host.Outbox, SignIn.Admin);
        var source = world.Host.Services.GetRequiredService<SessionCookies>();

        async Task<CallerResult> As(string method, string? origin, string? fetchSite = null)
        {
            var request = Request(method, cookie, new Uri(world.Host.BaseUrl).Authority);
            if (origin is not null)
            {
                request.Headers.Origin = origin;
            }

            if (fetchSite is not null)
            {
                request.Headers["Sec-Fetch-Site"] = fetchSite;
            }

            return await source.AuthenticateAsync(request, CancellationToken.None);
        }

        Assert.NotNull((await As("GET", null)).User);
        Assert.NotNull((await As("POST", world.Host.BaseUrl)).User);
        Assert.NotNull((await As("PUT", "http://127.0.0.1:" + new Uri(world.Host.BaseUrl).Port)).User); // the configured public URL's origin
        Assert.NotNull((await As("DELETE", null, "same-origin")).User);
        Assert.Equal(SessionRefusals.CrossSite, (await As("POST", null)).RefusalCode);
        Assert.Equal(SessionRefusals.CrossSite, (await As("POST", "https://evil.example")).RefusalCode);
        Assert.Equal(SessionRefusals.CrossSite, (await As("POST", "null")).RefusalCode);
        Assert.NotNull((await As("POST", "null", "same-origin")).User); // a form on our no-referrer pages posts Origin: null
        Assert.Equal(SessionRefusals.CrossSite, (await As("POST", "null", "cross-site")).RefusalCode); // a sandboxed frame elsewhere
        Assert.Equal(SessionRefusals.CrossSite, (await As("PUT", null, "cross-site")).RefusalCode);
        Assert.Equal(SessionRefusals.CrossSite, (await As("POST", "http://127.0.0.1.evil.example")).RefusalCode);

        // Through the host: a cross-site sign-out does nothing; a cross-site post of someone's link signs nobody in.
        var forgedSignOut = new HttpRequestMessage(HttpMethod.Post, "api/signout");
        forgedSignOut.Headers.Add("Cookie", cookie);
        forgedSignOut.Headers.Add("Origin", "https://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(forgedSignOut)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignIn.SessionAsync(client, cookie)).StatusCode);

        await SignIn.RequestLinkAsync(client, SignIn.SecondAdmin);
        var token = SignIn.TokenOf(await SignIn.WaitForLinkAsync(world.Host.Outbox, SignIn.SecondAdmin));
        var loginCsrf = await SignIn.RedeemAsync(client, token, origin: "https://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, loginCsrf.StatusCode);
        Assert.Null(SignIn.SessionCookie(loginCsrf));
        Assert.Equal(HttpStatusCode.SeeOther, (await SignIn.RedeemAsync(client, token)).StatusCode); // not used up by the refusal
    }

    [Fact]
    public async Task TheMailsSendGridMetadataHoldsNoAddressTokenOrNonce()
    {
        await using var world = await StartAsync();
        using var client = SignIn.Client(world.Host.BaseUrl);
        await SignIn.RequestLinkAsync(client, SignIn.Admin);
        var link = await SignIn.WaitForLinkAsync(world.Host.Outbox, SignIn.Admin);
        var token = SignIn.TokenOf(link);
        var message = Assert.Single(world.Host.Outbox.Messages, m => m.Deliveries.Any(d => d.CustomArgs.GetValueOrDefault("k") == MailKinds.SignIn));
        var delivery = Assert.Single(message.Deliveries);

        Assert.Equal(["training-cycles", MailKinds.SignIn], delivery.Categories);
        Assert.Equal(["c", "k", "p"], delivery.CustomArgs.Keys.Order());
        Assert.Equal(SignInMail.CycleArg, delivery.CustomArgs["c"]);
        Assert.Matches("^r[a-z2-9]{16}$", delivery.CustomArgs["p"]);
        var metadata = string.Join("|", delivery.CustomArgs.Values.Concat(delivery.Categories)) + message.Request["personalizations"]![0]!["custom_args"]!.ToJsonString() + (message.Request["categories"]?.ToJsonString() ?? "");
        Assert.DoesNotContain("@", metadata, StringComparison.Ordinal);
        Assert.DoesNotContain(token[..16], metadata, StringComparison.Ordinal);
        Assert.DoesNotContain("bpsdm", metadata, StringComparison.OrdinalIgnoreCase);
        world.Host.Services.GetRequiredService<EmailSignIn>().Read(token, out var opened);
        Assert.DoesNotContain(opened!.Nonce, metadata, StringComparison.Ordinal);
        Assert.DoesNotContain(opened.Nonce, link, StringComparison.Ordinal); // the link is encrypted: its nonce and address are not readable
        Assert.DoesNotContain(SignIn.Admin, Uri.UnescapeDataString(link), StringComparison.Ordinal);
    }

    [Fact]
    public void OnAzureTheKeyWrappingKeyIsRequiredAndAnUnresolvedKeyVaultReferenceIsNamed()
    {
        var azure = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["WEBSITE_INSTANCE_ID"] = "abc" }).Build();
        var laptop = new ConfigurationBuilder().Build();

        var missing = new EmailSignInOptionsValidator(azure).Validate(null, new EmailSignInOptions());
        var unresolved = new EmailSignInOptionsValidator(azure).Validate(null, new EmailSignInOptions { KeyWrappingKey = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/SignInKeyWrappingKey)" });
        var set = new EmailSignInOptionsValidator(azure).Validate(null, new EmailSignInOptions { KeyWrappingKey = Convert.ToBase64String(new byte[32]) });
        var local = new EmailSignInOptionsValidator(laptop).Validate(null, new EmailSignInOptions());
        var short16 = new EmailSignInOptionsValidator(laptop).Validate(null, new EmailSignInOptions { KeyWrappingKey = Convert.ToBase64String(new byte[16]) });

        Assert.True(missing.Failed);
        Assert.Contains("TrainingCycles__SignIn__KeyWrappingKey", missing.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("did not resolve", unresolved.FailureMessage, StringComparison.Ordinal);
        Assert.True(set.Succeeded);
        Assert.True(local.Succeeded);
        Assert.True(short16.Failed);
    }

    [Fact]
    public void BehindHttpsTheCookieIsSecureWithTheHostPrefix()
    {
        var cookies = Cookies("https://pelatihan.kalteng.example", new FakeTimeProvider(DateTimeOffset.UtcNow));
        var context = new DefaultHttpContext();

        cookies.Issue(context.Response, SignIn.Admin, "Admin");

        var header = context.Response.Headers.SetCookie.ToString();
        Assert.StartsWith(SessionCookies.SecureCookieName + "=", header, StringComparison.Ordinal);
        Assert.Contains("secure", header, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", header, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", header, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", header, StringComparison.OrdinalIgnoreCase);
        Assert.False(Cookies("http://localhost:7071", TimeProvider.System).Secure);
        Assert.True(Cookies("http://training.example", TimeProvider.System).Secure); // plain http off-loopback is never trusted with a bare cookie
    }

    private static SessionCookies Cookies(string publicBaseUrl, TimeProvider time) =>
        new(new EphemeralDataProtectionProvider(), null!, time, Microsoft.Extensions.Options.Options.Create(new EmailSignInOptions()),
            Microsoft.Extensions.Options.Options.Create(new TrainingCyclesOptions { PublicBaseUrl = publicBaseUrl }));

    /// <summary>A request as the host hands it to the source (the Host header is the address the browser used).</summary>
    internal static HttpRequest Request(string method, string? cookie, string host = "127.0.0.1")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Host = new HostString(host);
        if (cookie is not null)
        {
            context.Request.Headers.Cookie = cookie;
        }

        return context.Request;
    }
}
