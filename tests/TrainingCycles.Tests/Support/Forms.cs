using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace TrainingCycles.Tests.Support;

public static class Forms
{
    private static readonly HtmlParser Parser = new();

    public static IHtmlDocument Parse(string html) => Parser.ParseDocument(html);

    public static Dictionary<string, string> ValidRegistration(string nip = "198503122010012005", string email = "siti.aminah@example.org", string name = "Dr. Siti Aminah, S.Sos., M.Si.") => new()
    {
        ["fullName"] = name,
        ["nip"] = nip,
        ["email"] = email,
        ["phone"] = "0812-3456-7890",
        ["agency"] = "Dinas Sosial Kabupaten Kapuas",
        ["agencyLevel"] = "kabupaten",
        ["regency"] = "Kapuas",
        ["position"] = "Pekerja Sosial Ahli Pertama",
        ["rank"] = "Penata Muda, III/a",
        ["consent"] = "yes",
        ["language"] = "id",
        ["action"] = "register",
    };

    /// <summary>A valid NIP for index i: distinct birth dates and sequence numbers.</summary>
    public static string Nip(int i) => $"1980{1 + i % 12:00}{1 + i % 28:00}2005{1 + i % 12:00}{1 + i % 2}{1 + i % 999:000}";

    public static async Task<(HttpResponseMessage Response, IHtmlDocument Page)> PostAsync(HttpClient client, string url, IDictionary<string, string> fields)
    {
        var response = await client.PostAsync(url, new FormUrlEncodedContent(fields));
        return (response, Parse(await response.Content.ReadAsStringAsync()));
    }

    /// <summary>The personal invitation link of the invitee with this email (what their invitation mail carries).</summary>
    public static async Task<string> InviteUrlAsync(TestWorld world, string cycleId, string email)
    {
        var p = (await world.Host.Services.GetRequiredService<TrainingCycles.Cycles.ParticipantStore>().ListAsync(cycleId)).Single(x => x.Email == email);
        var token = world.Host.Services.GetRequiredService<TrainingCycles.Infrastructure.Tokens>().Create(TrainingCycles.Infrastructure.TokenPurpose.Invite, cycleId, p.RowKey, DateTimeOffset.UtcNow.AddDays(1), p.TokenVersion);
        return $"api/cycles/{cycleId}/register?invite={Uri.EscapeDataString(token)}";
    }

    public static async Task<(HttpResponseMessage Response, IHtmlDocument Page)> GetAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        return (response, Parse(await response.Content.ReadAsStringAsync()));
    }
}
