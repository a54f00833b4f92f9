using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TrainingCycles.Tests.Support;

/// <summary>Organizer-side helpers over the real HTTP API of a test world.</summary>
public static class CycleApi
{
    public static string Iso(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A valid definition on a compressed timeline: seconds instead of days.</summary>
    public static JsonObject CompressedDefinition(DateTimeOffset now, int capacity = 50, double closeAfterSeconds = 6, double sessionSeconds = 2, int sessions = 2, bool inviteOnly = false) =>
        new()
        {
            ["title"] = "Pelatihan Dasar Pekerjaan Sosial se-Kalimantan Tengah",
            ["organizerName"] = "BPSDM Provinsi Kalimantan Tengah",
            ["venue"] = "Aula BPSDM, Jl. Tjilik Riwut Km 5, Palangka Raya",
            ["description"] = "Pelatihan dasar bagi ASN pekerja sosial.",
            ["timeZone"] = "Asia/Jakarta",
            ["capacity"] = capacity,
            ["inviteOnly"] = inviteOnly,
            ["registrationOpensAt"] = Iso(now.AddMinutes(-1)),
            ["registrationClosesAt"] = Iso(now.AddSeconds(closeAfterSeconds)),
            ["sessions"] = new JsonArray([.. Enumerable.Range(0, sessions).Select(i => (JsonNode)new JsonObject
            {
                ["id"] = $"s{i + 1}",
                ["title"] = $"Hari {i + 1}",
                ["startsAt"] = Iso(now.AddSeconds(closeAfterSeconds + 1 + i * (sessionSeconds + 1))),
                ["endsAt"] = Iso(now.AddSeconds(closeAfterSeconds + 1 + i * (sessionSeconds + 1) + sessionSeconds)),
            })]),
            ["reminders"] = new JsonObject { ["beforeDeadline"] = new JsonArray("PT3S"), ["beforeTraining"] = new JsonArray("PT1S") },
            ["completion"] = new JsonObject { ["minimumAttendancePercent"] = 50, ["lateCounts"] = true, ["excusedCounts"] = false },
            ["certificate"] = new JsonObject { ["numberFormat"] = "{seq:000}/BPSDM-KT/{yyyy}", ["trainingHours"] = 40, ["signatoryName"] = "Dr. H. Ahmad Syaifudin, M.Pd.", ["signatoryTitle"] = "Kepala BPSDM Provinsi Kalimantan Tengah", ["signatoryNip"] = "197001011995031001" },
            ["checkIn"] = new JsonObject { ["opensMinutesBeforeStart"] = 0, ["closesMinutesAfterStart"] = 0, ["lateAfterMinutes"] = 0 },
            // Seat allocation through the open form, without the email round trip (covered by its own tests, on by default).
            ["openRegistration"] = new JsonObject { ["confirmEmail"] = false },
        };

    public static async Task<JsonElement> CreateAsync(HttpClient organizer, JsonObject definition)
    {
        var response = await organizer.PostAsync("api/cycles", new StringContent(definition.ToJsonString(), Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<JsonElement> GetAsync(HttpClient organizer, string cycleId)
    {
        var response = await organizer.GetAsync($"api/cycles/{cycleId}");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<JsonElement> WaitForPhaseAsync(HttpClient organizer, string cycleId, string phase, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await GetAsync(organizer, cycleId);
            if (last.GetProperty("phase").GetString() == phase && (phase is not ("Completed" or "Cancelled") || last.GetProperty("runtimeStatus").GetString() == "Completed"))
            {
                return last;
            }

            if (last.GetProperty("runtimeStatus").GetString() is "Failed" or "Terminated")
            {
                break;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"cycle {cycleId} did not reach {phase}; last status: {last}");
    }

    public static async Task<JsonElement> ImportCsvAsync(HttpClient organizer, string cycleId, string csv, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await organizer.PostAsync($"api/cycles/{cycleId}/invitees", new StringContent(csv, Encoding.UTF8, "text/csv"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"import answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<HttpResponseMessage> CommandAsync(HttpClient organizer, string cycleId, string command, object? body = null) =>
        await organizer.PostAsync($"api/cycles/{cycleId}/{command}", body is null ? null : JsonContent.Create(body));

    public static string InviteesCsv(int count, string domain = "example.org") =>
        "email,nama,instansi\n" + string.Concat(Enumerable.Range(1, count).Select(i => $"peserta{i}@{domain},Peserta {i},Dinas Sosial Kab. Kapuas\n"));
}
