using System.Net;
using TrainingCycles.Attendance;

namespace TrainingCycles.Tests.Attendance;

public sealed class ConcurrentCheckInTests
{
    [Fact]
    public async Task TwoHundredPeopleCheckingInAtOnceGiveExactlyTwoHundredRowsAndNoErrors()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var ids = await w.AddParticipantsAsync(200);
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-2);
        var code = w.CodeNow("s1");
        using var start = new SemaphoreSlim(0);

        async Task<HttpStatusCode> CheckInAsync(string id)
        {
            await start.WaitAsync();
            return (await w.CheckInAsync(w.Token(id), code)).Response.StatusCode;
        }

        // Everyone at once, and a second tap from each of them while the first is still in flight.
        var requests = ids.Concat(ids).Select(CheckInAsync).ToList();
        start.Release(requests.Count);
        var statuses = await Task.WhenAll(requests);

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        var rows = await w.World.Host.Services.GetRequiredService<AttendanceStore>().ForSessionAsync(w.CycleId, "s1");
        Assert.Equal(200, rows.Count);
        Assert.Equal(ids.Order(StringComparer.Ordinal), rows.Select(r => r.ParticipantId).Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.Equal(AttendanceStatus.Present, r.Status));
    }
}
