using System.Collections.Concurrent;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace TrainingCycles.Reminders;

/// <summary>
/// Gathers one-person mails that are scheduled at about the same time (a registration rush) into shared
/// orchestrations: while one schedule call is in flight, the next requests for the cycle wait and then go together
/// in one <see cref="ParticipantMailBatch"/>. A caller returns once its mail is scheduled (or the failure logged),
/// exactly as when it scheduled alone, so a registration is answered only after its confirmation is on its way.
/// </summary>
public sealed class ParticipantMailQueue(ILogger<ParticipantMailQueue> logger)
{
    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    public Task ScheduleAsync(DurableTaskClient durable, ParticipantMailRequest request)
    {
        var lane = _lanes.GetOrAdd(request.CycleId, _ => new Lane());
        var waiting = new Waiting(durable, request);
        bool start;
        lock (lane)
        {
            lane.Queue.Enqueue(waiting);
            start = !lane.Running;
            lane.Running = true;
        }

        if (start)
        {
            _ = Task.Run(() => DrainAsync(request.CycleId, lane), CancellationToken.None);
        }

        return waiting.Done.Task;
    }

    private async Task DrainAsync(string cycleId, Lane lane)
    {
        while (true)
        {
            List<Waiting> batch = [];
            lock (lane)
            {
                while (batch.Count < ParticipantMail.MaxMailsPerBatch && lane.Queue.TryDequeue(out var next))
                {
                    batch.Add(next);
                }

                if (batch.Count == 0)
                {
                    lane.Running = false;
                    return;
                }
            }

            try
            {
                // The first caller's client: that caller is still waiting, so its client is alive.
                await ParticipantMail.ScheduleAsync(batch[0].Durable, cycleId, [.. batch.Select(w => w.Request)], logger);
            }
            catch (Exception e)
            {
                // Never leave the lane stuck "running" with callers waiting: log, release them, go on.
                logger.LogWarning(e, "Could not schedule {Count} mail(s) for cycle {CycleId}", batch.Count, cycleId);
            }
            finally
            {
                foreach (var w in batch)
                {
                    w.Done.TrySetResult();
                }
            }
        }
    }

    private sealed record Waiting(DurableTaskClient Durable, ParticipantMailRequest Request)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Lane
    {
        public Queue<Waiting> Queue { get; } = new();

        public bool Running { get; set; }
    }
}
