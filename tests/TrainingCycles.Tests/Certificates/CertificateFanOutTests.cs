using Microsoft.Extensions.DependencyInjection.Extensions;
using TrainingCycles.Certificates;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Certificates;

/// <summary>#24: the certificate phase as batches: stable slices, a failed batch retried alone, one certificate each.</summary>
public sealed class CertificateFanOutTests
{
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

    private sealed class FailOnce : ICertificateLedger
    {
        private int _calls;

        public Task CertificatesChangedAsync(string cycleId, IReadOnlyCollection<string> participantIds, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) == 1 ? throw new InvalidOperationException("storage away (injected, once)") : Task.CompletedTask;
    }
}
