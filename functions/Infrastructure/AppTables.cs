using System.Collections.Concurrent;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace TrainingCycles.Infrastructure;

/// <summary>The app's tables, each created on first use (once per process).</summary>
public sealed class AppTables
{
    public const string Cycles = nameof(Cycles);
    public const string Participants = nameof(Participants);
    public const string Attendance = nameof(Attendance);
    public const string Certificates = nameof(Certificates);
    public const string EmailLog = nameof(EmailLog);
    public const string AuditLog = nameof(AuditLog);
    public const string Lookups = nameof(Lookups);
    public const string EmailEvents = nameof(EmailEvents);
    public const string AccessGrants = nameof(AccessGrants);

    public const string SignIn = nameof(SignIn);

    /// <summary>#20: completion overrides, imported post-test scores, roster locks.</summary>
    public const string Completion = nameof(Completion);

    /// <summary>Erasure requests in flight and their receipts (Privacy/ErasureStore.cs).</summary>
    public const string ErasureRequests = nameof(ErasureRequests);

    /// <summary>The person's record across cycles, by NIP (Records/Ledger.cs).</summary>
    public const string Ledger = nameof(Ledger);

    /// <summary>#22: biodata confirmations and correction requests before documents are issued (Records/BiodataStore.cs).</summary>
    public const string Biodata = nameof(Biodata);

    /// <summary>#21: tests, attempts, ratings and follow-up answers (Evaluation/EvaluationStore.cs).</summary>
    public const string Evaluation = nameof(Evaluation);

    /// <summary>#19: quotas, nominees, letters and NIP claims (Nomination/NominationStore.cs).</summary>
    public const string Nominations = nameof(Nominations);

    /// <summary>#23: the retention workflow's rounds and cursors; ids and counts only (Privacy/RetentionService.cs).</summary>
    public const string Retention = nameof(Retention);

    /// <summary>Every table the app uses: infra/main.bicep declares and grants each (Infra.PrivacyHardeningTests), so a
    /// feature's table is named here, not only in its own store.</summary>
    public static readonly IReadOnlyList<string> All = [Cycles, Participants, Attendance, Certificates, EmailLog, AuditLog, Lookups, EmailEvents, AccessGrants, SignIn, Completion, ErasureRequests, Ledger, Biodata, Evaluation, Nominations, Retention];

    private readonly StorageAccount _account;
    private readonly string _prefix;
    private readonly ConcurrentDictionary<string, Lazy<Task<TableClient>>> _tables = new(StringComparer.Ordinal);

    public AppTables(StorageAccount account, IOptions<TrainingCyclesOptions> options)
    {
        _account = account;
        _prefix = options.Value.TablePrefix;
    }

    public string PhysicalName(string table) => _prefix + table;

    public Task<TableClient> GetAsync(string table, CancellationToken cancellationToken = default) =>
        _tables.GetOrAdd(table, name => new Lazy<Task<TableClient>>(() => CreateAsync(name, cancellationToken))).Value;

    private async Task<TableClient> CreateAsync(string table, CancellationToken cancellationToken)
    {
        var client = _account.Tables.GetTableClient(PhysicalName(table));
        try
        {
            await client.CreateIfNotExistsAsync(cancellationToken);
        }
        catch
        {
            // Do not cache a failure (e.g. storage briefly down): the next call tries again.
            _tables.TryRemove(table, out _);
            throw;
        }

        return client;
    }
}
