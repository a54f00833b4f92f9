using Azure;
using Azure.Data.Tables;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Privacy;

/// <summary>One participation of a person: ids only (they travel through the workflow's history).</summary>
public sealed record Participation(string CycleId, string ParticipantId);

/// <summary>Input of an erasure of a person everywhere: the request id only; the participations and the address are in its row.</summary>
public sealed record PersonErasureInput(string RequestId, string Reason);

/// <summary>What the erasure everywhere did: per participation, the per-participation summary.</summary>
public sealed record PersonErasureSummary(string RequestId, string Reason, IReadOnlyList<ErasureSummary> Erasures, bool ReceiptSent);

/// <summary>
/// Erasure of a person in every cycle (#23): the participations are found through each cycle's email and NIP index
/// rows (<see cref="ParticipantStore.EmailIndexKey"/>, <see cref="ParticipantStore.NipIndexKey"/>), each is erased by
/// the per-participation workflow (<see cref="ErasureWorkflow.ErasureOrchestrator"/>, as a sub-orchestration, with its
/// own receipt off), and one receipt naming every training goes to the person. The request row (table
/// <c>ErasureRequests</c>, partition <see cref="Partition"/>) holds the address and the participations while it runs;
/// when it finishes it keeps ids, times and counts only.
/// </summary>
public sealed class PersonErasure(AppTables tables, CycleStore cycles, ParticipantStore participants, TimeProvider time)
{
    public const string Partition = "person";

    public static string InstanceId(string requestId) => "erase-person:" + requestId;

    /// <summary>Every live participation whose email or NIP index row names this address or NIP, across all cycles.</summary>
    public async Task<IReadOnlyList<ParticipantEntity>> FindAsync(string? email, string? nip, CancellationToken cancellationToken = default)
    {
        var found = new List<ParticipantEntity>();
        foreach (var cycle in await cycles.ListAsync(cancellationToken))
        {
            var keys = new[]
            {
                email is { Length: > 0 } ? ParticipantStore.EmailIndexKey(cycle.CycleId, email) : null,
                nip is { Length: > 0 } ? ParticipantStore.NipIndexKey(cycle.CycleId, nip) : null,
            };
            foreach (var id in (await Task.WhenAll(keys.OfType<string>().Select(k => participants.FindIndexAsync(cycle.CycleId, k, cancellationToken)))).OfType<IndexEntity>().Select(i => i.ParticipantId).Distinct(StringComparer.Ordinal))
            {
                if (await participants.GetAsync(cycle.CycleId, id, cancellationToken) is { } p && !ParticipantStore.IsAnonymised(p))
                {
                    found.Add(p);
                }
            }
        }

        return found;
    }

    /// <summary>
    /// Finds the person's participations from the one the request came through (its email and NIP), writes the request
    /// row and starts the workflow. Returns the request id and the participations, or null when there is nothing to erase.
    /// </summary>
    public async Task<(string RequestId, IReadOnlyList<Participation> Participations)?> StartAsync(DurableTaskClient durable, ParticipantEntity from, string reason, CancellationToken cancellationToken = default)
    {
        var all = await FindAsync(from.Email, from.Nip, cancellationToken);
        if (all.Count == 0)
        {
            return null;
        }

        // One request per participation it came through: a double click (or a retried post) finds the row the first
        // wrote and starts nothing new, so the person gets one workflow and one receipt.
        var requestId = RequestIdOf(from);
        var list = all.Select(p => new Participation(p.PartitionKey, p.RowKey)).ToList();
        var row = new TableEntity(Partition, requestId)
        {
            ["Email"] = from.Email.Length > 0 ? from.Email : all.Select(p => p.Email).FirstOrDefault(e => e.Length > 0),
            ["Language"] = from.Language == "en" ? "en" : "id",
            ["Reason"] = reason,
            ["Participations"] = string.Join(',', list.Select(p => p.CycleId + "/" + p.ParticipantId)),
            ["Status"] = ErasureStatus.Running,
            ["RequestedAt"] = time.GetUtcNow(),
        };
        var table = await tables.GetAsync(AppTables.ErasureRequests, cancellationToken);
        var claimed = true;
        try
        {
            await table.AddEntityAsync(row, cancellationToken);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 409)
        {
            claimed = false;
            list = [.. ParticipationsOf((await GetAsync(requestId, cancellationToken))!)];
        }

        // Only the request that wrote the row starts the workflow. With both requests of a double click scheduling the
        // one instance id at once, the suite's in-memory backend left the workflow unfinished in 3 runs of 5 (the likely
        // cause; Azure Storage's own de-duplication is not something to lean on either): the second request waits for
        // the first's start and starts it itself only if it never came (the first died in between).
        if (!claimed)
        {
            for (var waited = 0; waited < 20 && await durable.GetInstanceAsync(InstanceId(requestId), getInputsAndOutputs: false, cancellationToken) is null; waited++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            }
        }

        await DurableStarts.StartOnceAsync(durable, nameof(PersonErasureWorkflow.PersonErasureOrchestrator), new PersonErasureInput(requestId, reason), InstanceId(requestId), cancellationToken);
        return (requestId, list);
    }

    /// <summary>The request id of an erasure everywhere asked through this participation (its cycle and participant ids).</summary>
    public static string RequestIdOf(ParticipantEntity from) => from.PartitionKey + "-" + from.RowKey;

    public async Task<TableEntity?> GetAsync(string requestId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.ErasureRequests, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, requestId, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    public static IReadOnlyList<Participation> ParticipationsOf(TableEntity row) =>
        [.. (row.GetString("Participations") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Split('/')).Where(p => p.Length == 2).Select(p => new Participation(p[0], p[1]))];

    public async Task MarkAsync(string requestId, IDictionary<string, object?> values, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.ErasureRequests, cancellationToken);
        var change = new TableEntity(Partition, requestId);
        foreach (var (key, value) in values)
        {
            change[key] = value;
        }

        await table.UpdateEntityAsync(change, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }
}

public static class PersonErasureWorkflow
{
    [Function(nameof(PersonErasureOrchestrator))]
    public static async Task<PersonErasureSummary> PersonErasureOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, PersonErasureInput input)
    {
        var participations = await context.CallActivityAsync<IReadOnlyList<Participation>>(nameof(PersonErasureActivities.BeginPersonErasure), input.RequestId, RetryPolicies.Storage);
        var erasures = new List<ErasureSummary>();
        foreach (var p in participations)
        {
            // The per-participation workflow, its receipt off: the person gets one receipt for all of them below.
            erasures.Add(await context.CallSubOrchestratorAsync<ErasureSummary>(nameof(ErasureWorkflow.ErasureOrchestrator),
                new ErasureInput(p.CycleId, p.ParticipantId, input.Reason, SkipReceipt: true),
                new SubOrchestrationOptions { InstanceId = ErasureWorkflow.InstanceId(p.CycleId, p.ParticipantId) + ":" + input.RequestId }));
        }

        var sent = await context.CallActivityAsync<bool>(nameof(PersonErasureActivities.SendPersonErasureReceipt), input.RequestId, RetryPolicies.SendGrid);
        var summary = new PersonErasureSummary(input.RequestId, input.Reason, erasures, sent);
        await context.CallActivityAsync(nameof(PersonErasureActivities.FinishPersonErasure), summary, RetryPolicies.Storage);
        return summary;
    }
}

public sealed class PersonErasureActivities(PersonErasure store, CycleStore cycles, Mailer mailer, AuditLog audit, TimeProvider time, ILogger<PersonErasureActivities> logger)
{
    [Function(nameof(BeginPersonErasure))]
    public async Task<IReadOnlyList<Participation>> BeginPersonErasure([ActivityTrigger] string requestId) =>
        await store.GetAsync(requestId) is { } row ? PersonErasure.ParticipationsOf(row) : [];

    [Function(nameof(SendPersonErasureReceipt))]
    public async Task<bool> SendPersonErasureReceipt([ActivityTrigger] string requestId)
    {
        var row = await store.GetAsync(requestId);
        if (row is null || row.GetDateTimeOffset("ReceiptSentAt") is not null)
        {
            return row is not null;
        }

        if (row.GetString("Email") is not { Length: > 0 } email)
        {
            return false;
        }

        var lang = row.GetString("Language") == "en" ? "en" : "id";
        var titles = new List<string>();
        var organizers = new List<string>();
        foreach (var p in PersonErasure.ParticipationsOf(row))
        {
            var cycle = await cycles.GetAsync(p.CycleId);
            titles.Add(cycle?.Entity.Title ?? p.CycleId);
            organizers.Add(cycle?.Definition.OrganizerName ?? "");
        }

        var mail = MailTemplates.Render(ErasureWorkflow.ReceiptKind, lang, new Dictionary<string, string>
        {
            ["title"] = string.Join("; ", titles.Distinct(StringComparer.Ordinal)),
            ["organizer"] = string.Join("; ", organizers.Where(o => o.Length > 0).Distinct(StringComparer.Ordinal)),
            ["kept"] = Text.Get(lang, nameof(Texts.Privacy_Receipt_Kept)),
        });
        var recipient = new MailRecipient(requestId, email, null, new Dictionary<string, string> { ["name"] = "", ["link"] = "", ["number"] = "" });
        var outcome = await mailer.SendAsync(ErasureWorkflow.ReceiptCycleArg, ErasureWorkflow.ReceiptKind, mail, [recipient]);
        if (outcome.Sent.Count == 0)
        {
            logger.LogWarning("The receipt of person erasure {RequestId} was rejected", requestId);
            return false;
        }

        await store.MarkAsync(requestId, new Dictionary<string, object?> { ["ReceiptSentAt"] = time.GetUtcNow() });
        return true;
    }

    [Function(nameof(FinishPersonErasure))]
    public async Task FinishPersonErasure([ActivityTrigger] PersonErasureSummary summary)
    {
        await store.MarkAsync(summary.RequestId, new Dictionary<string, object?>
        {
            ["Email"] = "",
            ["Status"] = ErasureStatus.Done,
            ["CompletedAt"] = time.GetUtcNow(),
            ["Counts"] = string.Join("; ", summary.Erasures.Select(e => $"{e.CycleId}/{e.ParticipantId}: {ErasureWorkflow.CountsText(e.Counts)}")),
        });
        foreach (var e in summary.Erasures)
        {
            await audit.WriteAsync(e.CycleId, AuditActor.System, "privacy.erased-everywhere", e.ParticipantId,
                $"request={summary.RequestId}; cycles={summary.Erasures.Count}; receipt={(summary.ReceiptSent ? "sent" : "not sent")}");
        }
    }
}
