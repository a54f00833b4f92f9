using Microsoft.Extensions.DependencyInjection.Extensions;
using TrainingCycles.Certificates;
using TrainingCycles.Records;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Certificates;

/// <summary>#24: the certificate phase as batches: stable slices, a failed batch retried alone, one certificate each.</summary>
public sealed class CertificateFanOutTests
{
    [Fact]
    public void PlannedRangesCoverEveryPendingIdExactlyOnceInEvenBatches()
    {
        foreach (var n in new[] { 0, 1, 249, 250, 251, 10_000, 10_001, 100_000 })
        {
            var ids = Enumerable.Range(0, n).Select(_ => TrainingCycles.Infrastructure.Ids.New("p")).Order(StringComparer.Ordinal).ToList();
            var starts = CertificateFanOut.StartsOf(ids);
            var plan = new CertificatePlan(n, n, CertificateFanOut.BatchesFor(n), starts);
            Assert.Equal(plan.Batches, starts.Count);
            var batches = Enumerable.Range(0, plan.Batches).Select(i => CertificateFanOut.Batch("c1", plan, i)).ToList();
            Assert.Null(batches[0].From);
            Assert.Null(batches[^1].To);
            var sizes = batches.Select(b => ids.Count(id => (b.From is null || string.CompareOrdinal(id, b.From) >= 0) && (b.To is null || string.CompareOrdinal(id, b.To) < 0))).ToList();
            Assert.Equal(n, sizes.Sum()); // ranges are disjoint and adjacent, so the sum counts each id once
            Assert.All(sizes, size => Assert.InRange(size, n == 0 ? 0 : 1, CertificateFanOut.BatchSize));
        }

        // A plan made before the ranges (no starts) keeps the hash slices its history was built with.
        Assert.Equal(new CertificateBatch("c1", 2, 3), CertificateFanOut.Batch("c1", new CertificatePlan(700, 700, 3), 2));
    }

    [Fact]
    public async Task RangeBatchesFailingBetweenCertificateRowsAndTheLedgerStillLeaveOneLedgerRowEach()
    {
        FailFirstIssue? failing = null;
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory, services: s =>
        {
            s.RemoveAll<ICertificateLedger>();
            s.AddSingleton<ICertificateLedger>(sp => failing = new FailFirstIssue(sp.GetRequiredService<Ledger>()));
        });
        var cycleId = await CertificateSetup.NewCycleAsync(world);
        var people = await CertificateSetup.AddEligibleAsync(world, cycleId, [.. Enumerable.Range(1, 30).Select(i => $"Peserta Nomor {i}")]);
        var activities = ActivatorUtilities.CreateInstance<CertificateActivities>(world.Host.Services);
        var issuer = world.Host.Services.GetRequiredService<CertificateIssuer>();
        await activities.PrepareCertificates(cycleId);
        var pending = await issuer.PendingAsync(cycleId);
        Assert.Equal(30, pending.Count);

        // Three range batches as 750 people would make; the first recording's ledger write fails once, after its
        // certificate rows were written: the retry skips those certificates but must still put them in the ledger.
        var starts = new[] { pending[0], pending[10], pending[20] };
        var plan = new CertificatePlan(30, 30, 3, starts);
        var issued = 0;
        for (var i = 0; i < plan.Batches; i++)
        {
            var batch = CertificateFanOut.Batch(cycleId, plan, i);
            try
            {
                issued += (await activities.IssueCertificateBatch(batch)).Affected;
            }
            catch (InvalidOperationException)
            {
                issued += (await activities.IssueCertificateBatch(batch)).Affected;
            }
        }

        Assert.Equal(1, failing!.Failures);
        Assert.InRange(issued, 20, 30); // the failed attempt's rows count in no result
        var certificates = await CertificateSetup.CertificatesAsync(world, cycleId);
        Assert.Equal(people.Select(p => p.RowKey).Order(StringComparer.Ordinal), certificates.Select(c => c.ParticipantId).Order(StringComparer.Ordinal));
        var ledger = world.Host.Services.GetRequiredService<Ledger>();
        foreach (var p in people)
        {
            var row = Assert.Single(await ledger.ForNipAsync(p.Nip!));
            var certificate = certificates.Single(c => c.ParticipantId == p.RowKey);
            Assert.Equal((p.RowKey, certificate.RowKey, certificate.Number, 1, CertificateStatus.Valid), (row.ParticipantId, row.CertificateId, row.CertificateNumber, row.CertificateVersion, row.Status));
        }

        // Again: nothing issued, nothing doubled.
        for (var i = 0; i < plan.Batches; i++)
        {
            Assert.Equal(0, (await activities.IssueCertificateBatch(CertificateFanOut.Batch(cycleId, plan, i))).Affected);
        }

        Assert.Single(await ledger.ForNipAsync(people[0].Nip!));
    }
    [Fact]
    public void BatchesAreStableSlicesThatCoverEveryoneOnce()
    {
        var ids = Enumerable.Range(0, 10_000).Select(i => TrainingCycles.Infrastructure.Ids.New("p")).ToList();
        var count = CertificateFanOut.BatchesFor(ids.Count);

        Assert.Equal(40, count);
        Assert.Equal(1, CertificateFanOut.BatchesFor(0));
        Assert.Equal(2, CertificateFanOut.BatchesFor(CertificateFanOut.BatchSize + 1));
        var sizes = ids.GroupBy(id => CertificateFanOut.BatchOf(id, count)).Select(g => g.Count()).ToList();
        Assert.Equal(count, sizes.Count);
        Assert.All(sizes, size => Assert.InRange(size, CertificateFanOut.BatchSize / 2, CertificateFanOut.BatchSize * 2));
        Assert.All(ids, id => Assert.Equal(CertificateFanOut.BatchOf(id, count), CertificateFanOut.BatchOf(id, count)));
    }

    [Fact]
    public async Task AFailedBatchRetriedAloneLeavesExactlyOneCertificateEach()
    {
        var ledger = new FailOnce();
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory, services: s =>
        {
            s.RemoveAll<ICertificateLedger>();
            s.AddSingleton<ICertificateLedger>(ledger);
        });
        var cycleId = await CertificateSetup.NewCycleAsync(world);
        var people = await CertificateSetup.AddEligibleAsync(world, cycleId, [.. Enumerable.Range(1, 24).Select(i => $"Peserta Nomor {i}")]);
        var activities = ActivatorUtilities.CreateInstance<CertificateActivities>(world.Host.Services);

        var plan = await activities.PrepareCertificates(cycleId);
        Assert.Equal((24, 24, 1), (plan.Numbered, plan.Pending, plan.Batches));

        // Three batches (as 750 people would make); the first batch's first recording fails once.
        const int batches = 3;
        var results = new int[batches];
        var failed = 0;
        for (var i = 0; i < batches; i++)
        {
            try
            {
                results[i] = (await activities.IssueCertificateBatch(new CertificateBatch(cycleId, i, batches))).Affected;
            }
            catch (InvalidOperationException)
            {
                failed++;
                results[i] = (await activities.IssueCertificateBatch(new CertificateBatch(cycleId, i, batches))).Affected; // the retry: this batch only
            }
        }

        Assert.Equal(1, failed);
        var certificates = await CertificateSetup.CertificatesAsync(world, cycleId);
        Assert.Equal(24, certificates.Count);
        Assert.Equal(people.Select(p => p.RowKey).Order(StringComparer.Ordinal), certificates.Select(c => c.ParticipantId).Order(StringComparer.Ordinal));
        Assert.Equal(24, certificates.Select(c => c.Number).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(24, await CertificateSetup.BlobCountAsync(world));
        Assert.Equal(0, await world.Host.Services.GetRequiredService<CertificateIssuer>().CountPendingAsync(cycleId));
        // Running every batch again issues nothing: each is idempotent.
        for (var i = 0; i < batches; i++)
        {
            Assert.Equal(0, (await activities.IssueCertificateBatch(new CertificateBatch(cycleId, i, batches))).Affected);
        }
    }

    /// <summary>The real ledger, except that its first first-issue write fails (storage away) before writing anything.</summary>
    private sealed class FailFirstIssue(Ledger inner) : ICertificateLedger
    {
        private int _calls;

        public int Failures { get; private set; }

        public Task CertificatesChangedAsync(string cycleId, IReadOnlyCollection<string> participantIds, CancellationToken cancellationToken) =>
            inner.CertificatesChangedAsync(cycleId, participantIds, cancellationToken);

        public Task CertificatesIssuedAsync(string cycleId, IReadOnlyList<IssuedCertificate> issued, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Failures++;
                throw new InvalidOperationException("storage away (injected, once)");
            }

            return inner.CertificatesIssuedAsync(cycleId, issued, cancellationToken);
        }

        public Task CertificatesRecordedBeforeAsync(string cycleId, IReadOnlyCollection<string> participantIds, CancellationToken cancellationToken) =>
            inner.CertificatesRecordedBeforeAsync(cycleId, participantIds, cancellationToken);
    }

    private sealed class FailOnce : ICertificateLedger
    {
        private int _calls;

        public Task CertificatesChangedAsync(string cycleId, IReadOnlyCollection<string> participantIds, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) == 1 ? throw new InvalidOperationException("storage away (injected, once)") : Task.CompletedTask;
    }
}
