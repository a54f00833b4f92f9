using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

public sealed record CycleRecord(string CycleId, CycleDefinition Definition, CycleSchedule Schedule, CycleEntity Entity)
{
    public CyclePhase Phase => Enum.Parse<CyclePhase>(Entity.Phase);

    /// <summary>When registration closes: the deadline, or earlier when the organizer closed it.</summary>
    public DateTimeOffset RegistrationClosesAt =>
        Entity.RegistrationClosedAt is { } closed && closed < Schedule.RegistrationClosesAt ? closed : Schedule.RegistrationClosesAt;

    /// <summary>When training ends (<see cref="CycleSchedule.TrainingEndsAtWith"/>), or earlier when the organizer ended it.</summary>
    public DateTimeOffset TrainingEndsAt
    {
        get
        {
            var planned = Schedule.TrainingEndsAtWith(Definition.CheckIn);
            return Entity.TrainingEndedAt is { } ended && ended < planned ? ended : planned;
        }
    }
}

/// <summary>Reads and writes cycles. Every change that a person might ask about is audited.</summary>
public sealed class CycleStore(AppTables tables, ParticipantStore participants, AuditLog audit, TimeProvider time)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Writes a new cycle. With <paramref name="cycleId"/> given (derived from an Idempotency-Key) a cycle that
    /// already has that id is returned instead (Created = false): a retried create never makes a second cycle.
    /// </summary>
    public async Task<(CycleRecord Cycle, bool Created)> CreateAsync(CycleDefinition definition, CycleSchedule schedule, AuditActor actor, string? cycleId = null, string? requestHash = null, CancellationToken cancellationToken = default)
    {
        var cycles = await tables.GetAsync(AppTables.Cycles, cancellationToken);
        var deterministic = cycleId is not null;
        cycleId ??= Ids.New("c", 12);
        var now = time.GetUtcNow();
        var entity = new CycleEntity
        {
            RowKey = cycleId,
            Title = definition.Title!.Trim(),
            TimeZone = schedule.TimeZone,
            DefinitionJson = JsonSerializer.Serialize(definition, Json),
            ScheduleJson = JsonSerializer.Serialize(schedule, Json),
            ScheduleVersion = 1,
            Phase = nameof(CyclePhase.Inviting),
            InviteOnly = definition.InviteOnly,
            Capacity = definition.Capacity!.Value,
            CreatedAt = now,
            CheckInSecret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            CreateRequestHash = requestHash,
        };
        var addedCounters = true;
        try
        {
            await participants.AddCountersAsync(cycleId, cancellationToken);
        }
        catch (RequestFailedException e) when (deterministic && e.Status == 409)
        {
            addedCounters = false; // an earlier attempt with the same key got this far
        }

        try
        {
            await cycles.AddEntityAsync(entity, cancellationToken);
        }
        catch (RequestFailedException e) when (deterministic && e.Status == 409)
        {
            var existing = await GetAsync(cycleId, cancellationToken) ?? throw new InvalidOperationException($"Cycle {cycleId} exists but cannot be read.");
            return (existing, false);
        }
        catch when (addedCounters)
        {
            // No half-created cycle: the counters row goes too.
            await participants.DeleteCountersAsync(cycleId, CancellationToken.None);
            throw;
        }

        await audit.WriteAsync(cycleId, actor, "cycle.created", details: entity.Title, cancellationToken: cancellationToken);
        return (new CycleRecord(cycleId, definition, schedule, entity), true);
    }

    /// <summary>The cycle id an Idempotency-Key names: the same key always gives the same id (ids' alphabet, 12 characters).</summary>
    public static string IdFromIdempotencyKey(string key)
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("cycle-create\n" + key));
        return "c" + string.Concat(hash.Take(12).Select(b => alphabet[b % alphabet.Length]));
    }

    public async Task<CycleRecord?> GetAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        if (!Ids.LooksValid(cycleId, "c", 12))
        {
            return null;
        }

        var cycles = await tables.GetAsync(AppTables.Cycles, cancellationToken);
        var response = await cycles.GetEntityIfExistsAsync<CycleEntity>(CycleEntity.Partition, cycleId, cancellationToken: cancellationToken);
        return response.HasValue ? ToRecord(response.Value!) : null;
    }

    /// <summary>How old a cycle read by <see cref="GetRecentAsync"/> may be.</summary>
    public static readonly TimeSpan RecentFor = TimeSpan.FromSeconds(1);

    // Wall-clock ages (not the injected TimeProvider, which tests freeze): cycle id → (record, Environment.TickCount64).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (CycleRecord Record, long ReadAt)> _recent = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _changedAt = new(StringComparer.Ordinal);

    /// <summary>
    /// The cycle as read at most <see cref="RecentFor"/> ago, for the participant pages a registration rush hits:
    /// the cycle read was one of the six storage requests a registration cost. This instance's own changes are
    /// seen at once (<see cref="UpdateAsync"/> drops the entry); another instance's early close or reschedule
    /// reaches this one within a second — about as long as a request that was already on its way takes anyway.
    /// Deadlines are times in the record, so they are exact regardless.
    /// </summary>
    public async Task<CycleRecord?> GetRecentAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        if (_recent.TryGetValue(cycleId, out var hit) && Environment.TickCount64 - hit.ReadAt < RecentFor.TotalMilliseconds)
        {
            return hit.Record;
        }

        var readAt = Environment.TickCount64;
        var record = await GetAsync(cycleId, cancellationToken);
        // A read that raced this instance's own change may hold the old row: use it once, do not keep it.
        if (record is not null && !(_changedAt.TryGetValue(cycleId, out var changedAt) && changedAt >= readAt))
        {
            _recent[cycleId] = (record, readAt);
        }

        return record;
    }

    public async Task<IReadOnlyList<CycleRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        var cycles = await tables.GetAsync(AppTables.Cycles, cancellationToken);
        var result = new List<CycleRecord>();
        await foreach (var entity in cycles.QueryAsync<CycleEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {CycleEntity.Partition}"), cancellationToken: cancellationToken))
        {
            result.Add(ToRecord(entity));
        }

        return [.. result.OrderByDescending(c => c.Entity.CreatedAt)];
    }

    /// <summary>Applies a change under ETag concurrency, retrying on conflicts with a fresh read.</summary>
    public async Task<CycleRecord> UpdateAsync(string cycleId, Func<CycleEntity, bool> change, CancellationToken cancellationToken = default)
    {
        var cycles = await tables.GetAsync(AppTables.Cycles, cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            var entity = (await cycles.GetEntityAsync<CycleEntity>(CycleEntity.Partition, cycleId, cancellationToken: cancellationToken)).Value;
            if (!change(entity))
            {
                return ToRecord(entity);
            }

            try
            {
                var response = await cycles.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
                entity.ETag = response.Headers.ETag ?? entity.ETag;
                _changedAt[cycleId] = Environment.TickCount64;
                _recent.TryRemove(cycleId, out _);
                return ToRecord(entity);
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < 10)
            {
                // Someone else changed the cycle: read again and re-apply.
            }
        }
    }

    public Task<CycleCounts> CountsAsync(string cycleId, CancellationToken cancellationToken = default) =>
        CountsAsync(cycleId, knownPhase: null, cancellationToken);

    /// <summary>Counts for a cycle the caller has just read: its phase is taken from the record, not read again.</summary>
    public Task<CycleCounts> CountsAsync(CycleRecord cycle, CancellationToken cancellationToken = default) =>
        CountsAsync(cycle.CycleId, cycle.Phase, cancellationToken);

    private async Task<CycleCounts> CountsAsync(string cycleId, CyclePhase? knownPhase, CancellationToken cancellationToken)
    {
        if (await participants.FindCountersAsync(cycleId, cancellationToken) is not { } c)
        {
            return CycleCounts.Zero;
        }

        var (eligible, certified) = (0, 0);
        var phase = knownPhase ?? (await GetAsync(cycleId, cancellationToken))?.Phase;
        if (phase is CyclePhase.Completing or CyclePhase.Completed)
        {
            (eligible, certified) = await participants.CompletionCountsAsync(cycleId, cancellationToken);
        }

        return new CycleCounts(c.Invited, c.Confirmed, c.Waitlisted, c.Withdrawn, eligible, certified);
    }

    public static CycleRecord ToRecord(CycleEntity entity) => new(
        entity.RowKey,
        JsonSerializer.Deserialize<CycleDefinition>(entity.DefinitionJson, Json)!,
        JsonSerializer.Deserialize<CycleSchedule>(entity.ScheduleJson, Json)!,
        entity);
}
