using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace TrainingCycles.Tests.Support;

/// <summary>Named people in a test world: signed in through the dev host's Easy Auth emulator (a cookie of their own),
/// given roles through the real grant API by the automation identity.</summary>
public static class People
{
    /// <summary>The first administrator of local.settings.sample.json.</summary>
    public const string FirstAdministrator = "admin@bpsdm.kalteng.example";

    public static async Task<HttpClient> SignInAsync(TestWorld world, string email, string? name = null)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(world.Host.BaseUrl + "/"),
            Timeout = TimeSpan.FromSeconds(100),
        };
        var response = await client.PostAsync(".auth/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = email,
            ["name"] = name ?? email.Split('@')[0],
            ["post_login_redirect_uri"] = "/api/dashboard",
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    public static async Task<string> GrantAsync(TestWorld world, string user, string role, string? cycleId = null, string? sessionId = null, string? agency = null)
    {
        var response = await world.Organizer.PostAsJsonAsync("api/access/grants", new { user, role, cycleId, sessionId, agency });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"grant answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("grant").GetProperty("id").GetString()!;
    }
}
