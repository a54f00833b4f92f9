using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Bench;

/// <summary>Made-up but valid people: unique NIPs and emails per index, the fields the registration form asks for.</summary>
public static class People
{
    private static readonly DateOnly FirstBirthday = new(1970, 1, 1);

    /// <summary>18 digits: birth date · appointment 2000-01 · gender · sequence; (birth date, sequence) is unique per index.</summary>
    public static string Nip(int i) =>
        FirstBirthday.AddDays(i / 999).ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "200001" + (1 + (i % 2)).ToString(CultureInfo.InvariantCulture) + (1 + (i % 999)).ToString("000", CultureInfo.InvariantCulture);

    public static string Email(string run, int i) => $"peserta{i}.{run}@example.org";

    public static string Name(int i) => $"Peserta Bench {i}, S.Sos.";

    public static Dictionary<string, string> RegistrationForm(string run, int i) => new()
    {
        ["fullName"] = Name(i),
        ["nip"] = Nip(i),
        ["email"] = Email(run, i),
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

    public static string InviteesCsv(string run, int from, int count)
    {
        var csv = new StringBuilder("email,nama,instansi\n");
        for (var i = from; i < from + count; i++)
        {
            csv.Append(Email(run, i)).Append(',').Append(Name(i).Replace(",", "", StringComparison.Ordinal)).Append(",Dinas Sosial Kab. Kapuas\n");
        }

        return csv.ToString();
    }
}

/// <summary>Organizer calls over the real HTTP API, and reads of what the app wrote.</summary>
public static class BenchCycles
{
    public static string Iso(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// A cycle whose registration opens at <paramref name="opensAt"/> and closes at <paramref name="closesAt"/>; two
    /// sessions from <paramref name="trainingGap"/> after that, long enough that the bench ends the training by command.
    /// </summary>
    public static JsonObject Definition(DateTimeOffset opensAt, DateTimeOffset closesAt, int capacity, TimeSpan trainingGap, IReadOnlyList<string> remindersBeforeTraining, int minimumAttendancePercent = 50)
    {
        var definition = new JsonObject
        {
            ["title"] = "Pelatihan Dasar Pekerjaan Sosial se-Kalimantan Tengah",
            ["organizerName"] = "BPSDM Provinsi Kalimantan Tengah",
            ["venue"] = "Aula BPSDM, Jl. Tjilik Riwut Km 5, Palangka Raya",
            ["description"] = "Pelatihan dasar bagi ASN pekerja sosial.",
            ["timeZone"] = "Asia/Jakarta",
            ["capacity"] = capacity,
            ["inviteOnly"] = false,
            ["completion"] = new JsonObject { ["minimumAttendancePercent"] = minimumAttendancePercent, ["lateCounts"] = true, ["excusedCounts"] = false },
            ["certificate"] = new JsonObject { ["numberFormat"] = "{seq:00000}/BPSDM-KT/{yyyy}", ["trainingHours"] = 40, ["signatoryName"] = "Dr. H. Ahmad Syaifudin, M.Pd.", ["signatoryTitle"] = "Kepala BPSDM Provinsi Kalimantan Tengah", ["signatoryNip"] = "197001011995031001" },
            ["checkIn"] = new JsonObject { ["opensMinutesBeforeStart"] = 0, ["closesMinutesAfterStart"] = 0, ["lateAfterMinutes"] = 0 },
            // Seat allocation through the open form, without the email round trip (covered by its own tests, on by default).
            ["openRegistration"] = new JsonObject { ["confirmEmail"] = false },
        };
        foreach (var (key, value) in Timeline(opensAt, closesAt, trainingGap, remindersBeforeTraining))
        {
            definition[key] = value?.DeepClone();
        }

        return definition;
    }

    /// <summary>The schedule fields of a definition (also the body of a reschedule).</summary>
    public static JsonObject Timeline(DateTimeOffset opensAt, DateTimeOffset closesAt, TimeSpan trainingGap, IReadOnlyList<string> remindersBeforeTraining)
    {
        var start = closesAt + trainingGap;
        return new JsonObject
        {
            ["registrationOpensAt"] = Iso(opensAt),
            ["registrationClosesAt"] = Iso(closesAt),
            ["sessions"] = new JsonArray(
                new JsonObject { ["id"] = "s1", ["title"] = "Hari 1", ["startsAt"] = Iso(start), ["endsAt"] = Iso(start.AddMinutes(30)) },
                new JsonObject { ["id"] = "s2", ["title"] = "Hari 2", ["startsAt"] = Iso(start.AddMinutes(31)), ["endsAt"] = Iso(start.AddMinutes(60)) }),
            ["reminders"] = new JsonObject { ["beforeDeadline"] = new JsonArray(), ["beforeTraining"] = new JsonArray([.. remindersBeforeTraining.Select(r => (JsonNode)r)]) },
        };
    }

    public static Task<string> CreateAsync(BenchWorld world, JsonObject definition) => CreateAsync(world.Organizer, definition);

    public static async Task<string> CreateAsync(HttpClient organizer, JsonObject definition)
    {
        using var response = await organizer.PostAsync("api/cycles", new StringContent(definition.ToJsonString(), Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Creating the cycle answered {(int)response.StatusCode}: {body}");
        }

        return JsonDocument.Parse(body).RootElement.GetProperty("cycleId").GetString()!;
    }

    public static async Task<int> ImportAsync(BenchWorld world, string cycleId, string csv)
    {
        using var response = await world.Organizer.PostAsync($"api/cycles/{cycleId}/invitees", new StringContent(csv, Encoding.UTF8, "text/csv"));
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"Importing invitees answered {(int)response.StatusCode}: {body}");
        }

        return JsonDocument.Parse(body).RootElement.GetProperty("imported").GetInt32();
    }

    public static Task CommandAsync(BenchWorld world, string cycleId, string command, JsonObject? body = null) =>
        CommandAsync(world.Organizer, cycleId, command, body);

    public static async Task CommandAsync(HttpClient organizer, string cycleId, string command, JsonObject? body = null)
    {
        using var response = await organizer.PostAsync($"api/cycles/{cycleId}/{command}", body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"'{command}' answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>The phase the app last recorded for the cycle, read from its Cycles row with the bench's own client
    /// (the status endpoint would count participants on every poll, which is app traffic the bench would cause).</summary>
    public static Task<string> PhaseAsync(BenchWorld world, string cycleId) => PhaseAsync(world.Tables.GetTableClient(world.AppTable(AppTables.Cycles)), cycleId);

    /// <summary>The same, from a given Cycles table (the scale-out scenario's instances use a table prefix of their own).</summary>
    public static async Task<string> PhaseAsync(TableClient table, string cycleId)
    {
        var row = await table.GetEntityAsync<TableEntity>(CycleEntity.Partition, cycleId, select: [nameof(CycleEntity.Phase)]);
        return row.Value.GetString(nameof(CycleEntity.Phase));
    }

    /// <summary>When the app entered each phase, from its audit log ("cycle.phase" entries carry the time).</summary>
    public static Task<List<(string Phase, DateTimeOffset At)>> PhaseTimesAsync(BenchWorld world, string cycleId) =>
        PhaseTimesAsync(world.Tables.GetTableClient(world.AppTable(AppTables.AuditLog)), cycleId);

    public static async Task<List<(string Phase, DateTimeOffset At)>> PhaseTimesAsync(TableClient table, string cycleId)
    {
        var result = new List<(string, DateTimeOffset)>();
        await foreach (var e in table.QueryAsync<AuditEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and Action eq {"cycle.phase"}")))
        {
            result.Add((e.Details ?? "", e.At));
        }

        return [.. result.OrderBy(r => r.Item2)];
    }
}
