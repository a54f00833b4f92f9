using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Privacy;

/// <summary>What retention removes. Codes, never free text: they are in the workflow's history and the audit trail.</summary>
public static class RetentionKind
{
    /// <summary>Invitees who never registered, <see cref="RetentionOptions.NeverRegisteredInviteesAfterRegistrationCloses"/> after registration closed.</summary>
    public const string NeverRegistered = "never-registered";

    /// <summary>Everything about every participation (except letters), <see cref="RetentionOptions.PersonalDataAfterCycle"/> after the cycle ended.</summary>
    public const string PersonalData = "personal-data";

    /// <summary>Assignment letters with their nominee rows and absence evidence, <see cref="RetentionOptions.LettersAfter"/> after the cycle ended.</summary>
    public const string Letters = "letters";

    /// <summary>
    /// Nominees who never became participants (rejected, withdrawn, declined, or still undecided when the cycle
    /// ended): their nominee rows and the letters naming only them, on the letters' period. Ids are nominee ids.
    /// </summary>
    public const string Nominees = "nominees";

    /// <summary>The holders that keep letters and evidence files: retention removes them on their own period.</summary>
    public static readonly IReadOnlySet<string> LetterHolders = new HashSet<string>(StringComparer.Ordinal) { "nomination", "absence" };
}

/// <summary>The clock that decides what is due (its own service so a test can set it without moving the app's clock).</summary>
public sealed class RetentionClock(TimeProvider time)
{
    public DateTimeOffset UtcNow => time.GetUtcNow();
}

/// <summary>One cycle's due work of one kind: how many participants, and (bounded) which ones this round takes.</summary>
public sealed record RetentionItem(string CycleId, string Kind, DateTimeOffset DueSince, int Due, IReadOnlyList<string> ParticipantIds, bool Complete);

/// <summary>A round's plan: ids and counts only.</summary>
public sealed record RetentionPlan(bool DryRun, int IntervalSeconds, int BatchSize, IReadOnlyList<RetentionItem> Items);

public sealed record RetentionBatch(string CycleId, string Kind, IReadOnlyList<string> ParticipantIds);

/// <summary>What one batch did: participants anonymised and the rows/files the holders removed or anonymised.</summary>
public sealed record RetentionBatchResult(int Participants, int Items);

public sealed record RetentionItemResult(string CycleId, string Kind, int Due, int Participants, int Items);

public sealed record RetentionRoundSummary(int Round, bool DryRun, IReadOnlyList<RetentionItemResult> Items);

/// <summary>One person the administrators' dry-run list shows.</summary>
public sealed record RetentionCandidate(string ParticipantId, string? Name, string Status);

/// <summary>
/// Retention (UU PDP 27/2022 Pasal 43–44): decides what is due by the settings and the <see cref="RetentionClock"/>,
/// anonymises it through the registered <see cref="IPersonalDataHolder"/>s (the participant row last, so a retried
/// batch still finds the values the other holders look people up by), and records each round. Table
/// <c>Retention</c> keeps only ids, times and counts: PK <c>done</c> (RK <c>{cycle}|{kind}</c>: nothing left, never
/// looked at again), PK <c>cursor</c> (letters: the last participant id done), PK <c>round</c> (RK <c>last</c>).
/// </summary>
public sealed class RetentionService(CycleStore cycles, ParticipantStore participants, TrainingCycles.Nomination.NominationStore nominations, PersonalDataRegistry registry, AppTables tables, AuditLog audit, RetentionClock clock, IOptionsMonitor<RetentionOptions> options)
{
    public const string Table = AppTables.Retention;

    public RetentionOptions Options => options.CurrentValue;

    /// <summary>What is due now. <paramref name="withIds"/>: take up to <see cref="RetentionOptions.MaxPerRound"/> ids in all.</summary>
    public async Task<RetentionPlan> PlanAsync(bool withIds, CancellationToken cancellationToken = default)
    {
        var o = Options;
        var now = clock.UtcNow;
        var table = await tables.GetAsync(Table, cancellationToken);
        var done = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"done"}"), select: [nameof(TableEntity.RowKey)], cancellationToken: cancellationToken))
        {
            done.Add(row.RowKey);
        }

        var room = o.MaxPerRound;
        var items = new List<RetentionItem>();
        foreach (var cycle in (await cycles.ListAsync(cancellationToken)).OrderBy(c => c.CycleId, StringComparer.Ordinal))
        {
            foreach (var (kind, since) in DueKinds(cycle, now, o))
            {
                if (done.Contains(cycle.CycleId + "|" + kind))
                {
                    continue;
                }

                var due = await CandidatesAsync(table, cycle.CycleId, kind, cancellationToken);
                if (due.Count == 0)
                {
                    // Ended cycles get no new rows: nothing left of this kind, ever. (Never-registered invitees are
                    // looked at each round while the cycle runs; the query is one partition.)
                    if (!o.DryRun && kind != RetentionKind.NeverRegistered)
                    {
                        await table.UpsertEntityAsync(new TableEntity("done", cycle.CycleId + "|" + kind) { ["At"] = now }, TableUpdateMode.Replace, cancellationToken);
                    }

                    continue;
                }

                var take = withIds ? Math.Min(room, due.Count) : 0;
                room -= take;
                items.Add(new RetentionItem(cycle.CycleId, kind, since, due.Count, [.. due.Take(take).Select(p => p.ParticipantId)], take == due.Count));
            }
        }

        return new RetentionPlan(o.DryRun, (int)Math.Ceiling(o.Every.TotalSeconds), o.BatchSize, items);
    }

    /// <summary>The kinds due for a cycle and since when (pure: the settings and the clock decide).</summary>
    public static IEnumerable<(string Kind, DateTimeOffset Since)> DueKinds(CycleRecord cycle, DateTimeOffset now, RetentionOptions o)
    {
        DateTimeOffset? ended = cycle.Phase switch
        {
            CyclePhase.Completed => cycle.Entity.CompletedAt ?? cycle.TrainingEndsAt,
            CyclePhase.Cancelled => cycle.Entity.CancelledAt ?? cycle.Entity.CreatedAt,
            _ => null,
        };
        var personal = ended is { } e ? RetentionOptions.After(e, o.PersonalData) : (DateTimeOffset?)null;
        if (personal is { } p && p <= now)
        {
            yield return (RetentionKind.PersonalData, p); // covers the never-registered too
        }
        else if (cycle.Phase is not (CyclePhase.Inviting or CyclePhase.RegistrationOpen) && RetentionOptions.After(cycle.RegistrationClosesAt, o.NeverRegistered) is var invitees && invitees <= now)
        {
            yield return (RetentionKind.NeverRegistered, invitees);
        }

        if (ended is { } end && RetentionOptions.After(end, o.Letters) is var letters && letters <= now)
        {
            yield return (RetentionKind.Letters, letters);
            if (cycle.Definition.Nomination is not null)
            {
                yield return (RetentionKind.Nominees, letters);
            }
        }
    }

    /// <summary>The participants (nominees, for <see cref="RetentionKind.Nominees"/>) of the cycle the kind still has to process, by id.</summary>
    private async Task<List<RetentionCandidate>> CandidatesAsync(TableClient table, string cycleId, string kind, CancellationToken cancellationToken)
    {
        if (kind == RetentionKind.Nominees)
        {
            return [.. (await nominations.NomineesAsync(cycleId, ct: cancellationToken))
                .Where(n => string.IsNullOrEmpty(n.ParticipantId) && n.FullName.Length + n.Nip.Length + n.Email.Length > 0)
                .OrderBy(n => n.RowKey, StringComparer.Ordinal)
                .Select(n => new RetentionCandidate(n.RowKey, n.FullName, n.Status))];
        }

        var all = await participants.ListAsync(cycleId, cancellationToken);
        IEnumerable<ParticipantEntity> due = kind switch
        {
            RetentionKind.NeverRegistered => all.Where(p => !ParticipantStore.IsAnonymised(p) && p.Status == ParticipantStatus.Invited && p.RegisteredAt is null),
            RetentionKind.PersonalData => all.Where(p => !ParticipantStore.IsAnonymised(p)),
            _ => await AfterCursorAsync(table, cycleId, all, cancellationToken),
        };
        return [.. due.OrderBy(p => p.RowKey, StringComparer.Ordinal).Select(p => new RetentionCandidate(p.RowKey, ParticipantStore.IsAnonymised(p) ? null : p.FullName, p.Status))];
    }

    private static async Task<IEnumerable<ParticipantEntity>> AfterCursorAsync(TableClient table, string cycleId, IReadOnlyList<ParticipantEntity> all, CancellationToken cancellationToken)
    {
        var cursor = await table.GetEntityIfExistsAsync<TableEntity>("cursor", cycleId + "|" + RetentionKind.Letters, cancellationToken: cancellationToken);
        var after = cursor.HasValue ? cursor.Value!.GetString("Cursor") ?? "" : "";
        return all.Where(p => string.CompareOrdinal(p.RowKey, after) > 0);
    }

    /// <summary>Anonymises one batch through the holders of its kind. Idempotent: a participant already done counts 0.</summary>
    public async Task<RetentionBatchResult> AnonymiseAsync(RetentionBatch batch, CancellationToken cancellationToken = default)
    {
        if (batch.Kind == RetentionKind.Nominees)
        {
            return await AnonymiseNomineesAsync(batch, cancellationToken);
        }

        var letters = batch.Kind == RetentionKind.Letters;
        var holders = registry.Holders.Where(h => RetentionKind.LetterHolders.Contains(h.Name) == letters)
            .OrderBy(h => h.Name == ParticipantRecordHolder.HolderName).ToList();
        int people = 0, items = 0;
        foreach (var id in batch.ParticipantIds.Order(StringComparer.Ordinal))
        {
            var p = await participants.GetAsync(batch.CycleId, id, cancellationToken);
            if (p is null || (!letters && ParticipantStore.IsAnonymised(p)))
            {
                continue;
            }

            var subject = new PersonalDataSubject(batch.CycleId, id, p.Email is { Length: > 0 } email ? email : null, p.Nip, p.FullName, p.Phone);
            var erased = 0;
            foreach (var holder in holders)
            {
                erased += (await holder.EraseAsync(subject, cancellationToken)).Erased;
            }

            items += erased;
            if (!letters || erased > 0)
            {
                people++;
            }
        }

        if (letters && batch.ParticipantIds.Count > 0)
        {
            var table = await tables.GetAsync(Table, cancellationToken);
            await table.UpsertEntityAsync(new TableEntity("cursor", batch.CycleId + "|" + RetentionKind.Letters) { ["Cursor"] = batch.ParticipantIds.Max(StringComparer.Ordinal) }, TableUpdateMode.Replace, cancellationToken);
        }

        return new RetentionBatchResult(people, items);
    }

    /// <summary>Nominees who never became participants: the nomination holder, found by the nominee's own NIP and email.</summary>
    private async Task<RetentionBatchResult> AnonymiseNomineesAsync(RetentionBatch batch, CancellationToken cancellationToken)
    {
        var holder = registry.Find(NominationHolder.HolderName) ?? throw new InvalidOperationException("The nomination holder is not registered.");
        int people = 0, items = 0;
        foreach (var id in batch.ParticipantIds.Order(StringComparer.Ordinal))
        {
            if (await nominations.NomineeAsync(batch.CycleId, id, cancellationToken) is not { } n || !string.IsNullOrEmpty(n.ParticipantId) || n.FullName.Length + n.Nip.Length + n.Email.Length == 0)
            {
                continue; // gone, a participant's (the other kinds take it), or done already
            }

            var erased = (await holder.EraseAsync(new PersonalDataSubject(batch.CycleId, id, n.Email is { Length: > 0 } e ? e : null, n.Nip is { Length: > 0 } nip ? nip : null, n.FullName, n.Phone), cancellationToken)).Erased;
            items += erased;
            people += erased > 0 ? 1 : 0;
        }

        return new RetentionBatchResult(people, items);
    }

    /// <summary>One audit entry per cycle and kind with work (what, how many), and the round kept for the administrators' view.</summary>
    public async Task RecordAsync(RetentionRoundSummary round, CancellationToken cancellationToken = default)
    {
        foreach (var item in round.Items.Where(i => i.Due > 0))
        {
            var details = round.DryRun
                ? $"round={round.Round}; kind={item.Kind}; due={item.Due}; removed=0"
                : $"round={round.Round}; kind={item.Kind}; due={item.Due}; participants={item.Participants}; items={item.Items}";
            await audit.WriteAsync(item.CycleId, AuditActor.System, round.DryRun ? "privacy.retention-dry-run" : "privacy.retention", null, details, cancellationToken);
        }

        var table = await tables.GetAsync(Table, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity("round", "last")
        {
            ["At"] = clock.UtcNow,
            ["Round"] = round.Round,
            ["DryRun"] = round.DryRun,
            ["ItemsJson"] = JsonSerializer.Serialize(round.Items, AuditLog.Json),
        }, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<(DateTimeOffset At, int Round, bool DryRun, IReadOnlyList<RetentionItemResult> Items)?> LastRoundAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>("round", "last", cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return null;
        }

        var r = row.Value!;
        return (r.GetDateTimeOffset("At") ?? default, r.GetInt32("Round") ?? 0, r.GetBoolean("DryRun") ?? false,
            JsonSerializer.Deserialize<List<RetentionItemResult>>(r.GetString("ItemsJson") ?? "[]", AuditLog.Json) ?? []);
    }

    /// <summary>The administrators' view of what is due now: per cycle and kind, the people (id, name, status).</summary>
    public async Task<IReadOnlyList<(RetentionItem Item, string Title, IReadOnlyList<RetentionCandidate> People)>> DueListAsync(CancellationToken cancellationToken = default)
    {
        var plan = await PlanListAsync(cancellationToken);
        var result = new List<(RetentionItem, string, IReadOnlyList<RetentionCandidate>)>();
        var table = await tables.GetAsync(Table, cancellationToken);
        foreach (var item in plan)
        {
            var title = (await cycles.GetAsync(item.CycleId, cancellationToken))?.Entity.Title ?? item.CycleId;
            var people = (await CandidatesAsync(table, item.CycleId, item.Kind, cancellationToken)).Take(1000).ToList();
            result.Add((item, title, people));
        }

        return result;
    }

    private async Task<IReadOnlyList<RetentionItem>> PlanListAsync(CancellationToken cancellationToken)
    {
        // The list never writes "done" markers: it is a read.
        var o = Options;
        var now = clock.UtcNow;
        var table = await tables.GetAsync(Table, cancellationToken);
        var items = new List<RetentionItem>();
        foreach (var cycle in (await cycles.ListAsync(cancellationToken)).OrderBy(c => c.CycleId, StringComparer.Ordinal))
        {
            foreach (var (kind, since) in DueKinds(cycle, now, o))
            {
                var exists = await table.GetEntityIfExistsAsync<TableEntity>("done", cycle.CycleId + "|" + kind, cancellationToken: cancellationToken);
                if (!exists.HasValue && await CandidatesAsync(table, cycle.CycleId, kind, cancellationToken) is { Count: > 0 } due)
                {
                    items.Add(new RetentionItem(cycle.CycleId, kind, since, due.Count, [], false));
                }
            }
        }

        return items;
    }
}
