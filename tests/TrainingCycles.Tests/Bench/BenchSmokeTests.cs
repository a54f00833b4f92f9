using System.Text.Json.Nodes;
using Xunit.Abstractions;
using BenchProgram = TrainingCycles.Bench.Program;

namespace TrainingCycles.Tests.Bench;

/// <summary>
/// Each benchmark scenario run with a tiny N, so the benchmark cannot rot: it must still start its own dev host, drive
/// the app end to end and print every figure with sane values. The real runs (docs/benchmarks.md) stay out of CI.
/// </summary>
public sealed class BenchSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RegistrationScenarioPostsTheFormAndMeasuresItBesideTheInsertFloor()
    {
        var json = await RunAsync("registration", "--count", "20", "--clients", "4", "--warmup", "4");

        var registration = json["registration"]!;
        var floor = json["floor"]!;
        Assert.Equal(0, (int)registration["errors"]!);
        Assert.Equal(20, (int)registration["statuses"]!["200"]!);
        Assert.Equal(0, (int)floor["errors"]!);
        Assert.True((double)registration["throughputPerSecond"]! > 0);
        Assert.True((double)floor["throughputPerSecond"]! > 0);
        AssertLatency(registration["latencyMs"]!);
        AssertLatency(floor["latencyMs"]!);
        Assert.True((double)json["ratio"]! > 0);
        // The group commit writes many registrations (and their outbox rows) in one transaction: under 2 requests each is possible.
        Assert.True((double)json["storageRequestsPerRegistration"]! > 0, "a registration reaches the participants table");
        Assert.Equal(24, (int)json["confirmationMails"]!["delivered"]!);
        // #24: confirmations leave through the cycle's outbox drain (one orchestration), not one per batch of registrations.
        Assert.InRange((int)json["participantMailOrchestrations"]!["history"]!["instances"]!, 1, 2);
        Assert.True((double)json["participantMailOrchestrations"]!["registrationsPerOrchestration"]! >= 20);
        Assert.True((double)json["costProbe"]!["appPerRegistration"]! >= 2);
        Assert.True((double)json["costProbe"]!["enginePerRegistration"]! > 0, "the confirmation mail is drained by workflow work (the outbox)");
        Assert.NotNull(json["targets"]!["throughputRatio"]!["met"]);
        Assert.NotNull(json["targets"]!["p95Ms"]!["met"]);
    }

    [Fact]
    public async Task CycleScenarioWalksACycleToEveryCertificateEmailedAndCountsItsCosts()
    {
        var json = await RunAsync("cycle", "--participants", "10", "--compare", "5", "--window", "6");

        var cycle = json["cycle"]!;
        Assert.Equal(10, (int)cycle["participants"]!);
        Assert.Empty(cycle["warnings"]!.AsArray());
        Assert.Equal(
            ["Inviting", "RegistrationOpen", "AwaitingTraining", "InTraining", "Completing", "Completed"],
            cycle["phases"]!.AsArray().Select(p => (string)p!["phase"]!));
        var waves = cycle["waves"]!.AsArray().ToDictionary(w => (string)w!["kind"]!, w => w!);
        foreach (var kind in new[] { "invitation", "training-reminder", "certificate-issued" })
        {
            Assert.Equal(10, (int)waves[kind]["recipients"]!);
            Assert.Equal(1, (int)waves[kind]["requests"]!);
        }

        Assert.True((double)cycle["certificatePhase"]!["seconds"]! > 0);
        Assert.Contains(cycle["certificatePhase"]!["activities"]!.AsArray(), a => (string)a!["name"]! == "IssueCertificateBatch"); // #24: the phase is a fan-out of batches
        Assert.True((long)cycle["storage"]!["app"]!["total"]! > 0);
        Assert.True((long)cycle["storage"]!["engine"]!["total"]! > 0, "the Durable engine's own storage traffic is counted");
        Assert.True((int)cycle["history"]!["cycle"]!["rows"]! > 0);
        Assert.True((int)cycle["history"]!["rowsSeenAcrossGenerations"]! >= (int)cycle["history"]!["cycle"]!["rows"]!);
        Assert.Equal(5, (int)json["comparison"]!["participants"]!);
        Assert.True((bool)json["targets"]!["oneSendGridRequestPer1000Recipients"]!["met"]!);
        Assert.NotNull(json["targets"]!["historyDoesNotGrowWithParticipants"]!["met"]);
    }

    [Fact]
    public async Task CertificatesScenarioRendersAndStoresBesideTheBarePageFloor()
    {
        var json = await RunAsync("certificates", "--count", "3");

        AssertLatency(json["render"]!["msEach"]!);
        AssertLatency(json["floorRender"]!["msEach"]!);
        AssertLatency(json["issue"]!["msEach"]!);
        Assert.True((long)json["render"]!["bytesEach"]! > (long)json["floorRender"]!["bytesEach"]!, "a certificate carries more than one line of text");
        Assert.True((double)json["renderRatio"]! > 0);
        Assert.True((double)json["issue"]!["storageRequestsEach"]! >= 1, "every certificate is uploaded");
        Assert.True((double)json["parallel"]!["certificatesPerSecond"]! > 0);
        Assert.Equal(3, (int)json["parallel"]!["issued"]!);
        Assert.True((double)json["parallel"]!["storageRequestsEach"]! >= 1, "every pending certificate is uploaded");
        Assert.NotNull(json["targets"]!["certificatePhase10000"]!["met"]);
    }

    [Fact]
    public async Task ScaleOutScenarioRunsTheRushAndCertificatePhaseOnOneAndOnSeveralInstancesSideBySide()
    {
        // No kill here: the killed instance's partition leases alone take ~30 s to lapse (the full run measures it).
        var json = await RunAsync("scaleout", "--rush", "8", "--clients", "2", "--warmup", "2", "--instances", "2", "--kill", "no");

        Assert.Null(json["killed"]);
        foreach (var (instances, run) in new[] { (1, json["runs"]!["1"]!), (2, json["runs"]!["2"]!) })
        {
            Assert.Equal(instances, (int)run["instances"]!);
            Assert.Equal(instances, run["partitionsPerWorker"]!.AsObject().Count);
            Assert.Equal(4, run["partitionsPerWorker"]!.AsObject().Sum(p => (int)p.Value!));
            Assert.Equal(8, (int)run["rush"]!["statuses"]!["200"]!);
            Assert.Equal(0, (int)run["floor"]!["errors"]!);
            AssertLatency(run["rush"]!["latencyMs"]!);
            AssertLatency(run["floor"]!["latencyMs"]!);
            Assert.Equal(10, (int)run["confirmationMails"]!["delivered"]!);
            Assert.Equal(10, (int)run["certificatePhase"]!["certificateMails"]!);
            Assert.Equal(10, (int)run["certificatePhase"]!["distinctRecipients"]!);
            Assert.True((double)run["certificatePhase"]!["seconds"]! > 0);
            Assert.True((double)run["certificatePhase"]!["storeFloorSeconds"]! > 0);
            Assert.Empty(run["warnings"]!.AsArray());
        }
    }

    private static void AssertLatency(JsonNode latency)
    {
        var (p50, p95, p99) = ((double)latency["p50"]!, (double)latency["p95"]!, (double)latency["p99"]!);
        Assert.True(p50 > 0 && p50 <= p95 && p95 <= p99, $"percentiles out of order: {latency.ToJsonString()}");
    }

    private async Task<JsonObject> RunAsync(params string[] args)
    {
        var result = await BenchProgram.RunAsync(args);
        output.WriteLine(result.Table.ToString());
        Assert.Equal(args[0], (string)result.Json["scenario"]!);
        Assert.Equal(Environment.ProcessorCount, (int)result.Json["machine"]!["cores"]!);
        // What the program prints must be JSON that reads back to the same figures.
        var printed = JsonNode.Parse(result.Json.ToJsonString(TrainingCycles.Bench.Json.Compact))!.AsObject();
        Assert.Equal(result.Json.Count, printed.Count);
        return printed;
    }
}
