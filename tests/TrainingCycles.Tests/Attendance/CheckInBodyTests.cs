using System.Net;
using System.Text;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Reliability;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Attendance;

/// <summary>
/// The check-in POST looks at the link first and reads a body only when it declares a length within 4 KB: a chunked
/// upload (no length) is refused 411 and an oversized one 413, in both languages, before a byte is buffered.
/// </summary>
public sealed class CheckInBodyTests
{
    [Fact]
    public async Task AChunkedBodyIsRefusedWithoutBeingReadAndNothingIsWritten()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-5);
        var attendance = await w.World.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Attendance);
        var before = await Fuzz.SnapshotAsync(attendance, w.CycleId);

        // The body starts with the right code and then never ends: an app that reads it before answering never answers.
        var (validStatus, validBody, validElapsed) = await PostEndlessAsync(w, w.CheckInUrl(w.Token(id)), "code=" + w.CodeNow("s1") + "&lang=id&pad=");
        var (forgedStatus, _, forgedElapsed) = await PostEndlessAsync(w, w.CheckInUrl(w.Token(id)[..^2] + "AA"), "code=" + w.CodeNow("s1"));

        Assert.Equal(411, validStatus);
        Assert.Contains("Panjang isian diperlukan", validBody, StringComparison.Ordinal);
        Assert.Contains("Length required", validBody, StringComparison.Ordinal);
        Assert.Equal(403, forgedStatus);
        Assert.True(validElapsed < TimeSpan.FromSeconds(10) && forgedElapsed < TimeSpan.FromSeconds(10), $"answered after {validElapsed} / {forgedElapsed}");
        Assert.Equal(before, await Fuzz.SnapshotAsync(attendance, w.CycleId));
        Assert.Null(await w.MarkAsync("s1", id));
    }

    [Fact]
    public async Task AnOversizedBodyIs413InBothLanguagesAndNothingIsWritten()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-5);
        var attendance = await w.World.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Attendance);
        var before = await Fuzz.SnapshotAsync(attendance, w.CycleId);

        var form = Encoding.ASCII.GetBytes("code=" + w.CodeNow("s1") + "&pad=" + new string('x', 5 * 1024));
        var answer = await Fuzz.SendAsync(w.World.Http, HttpMethod.Post, w.CheckInUrl(w.Token(id), lang: "en"), Fuzz.Content(form, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.Status);
        Assert.Contains("Request too large", answer.Body, StringComparison.Ordinal);
        Assert.Contains("Permintaan terlalu besar", answer.Body, StringComparison.Ordinal);
        Assert.Equal(before, await Fuzz.SnapshotAsync(attendance, w.CycleId));
        Assert.Null(await w.MarkAsync("s1", id));

        // The same code in a normal-sized form still works: the limit refuses size, not people.
        var ok = await w.CheckInAsync(w.Token(id), w.CodeNow("s1"));
        Assert.Equal(HttpStatusCode.OK, ok.Response.StatusCode);
    }

    /// <summary>
    /// A raw HTTP/1.1 POST with <c>Transfer-Encoding: chunked</c> whose first chunk is sent and whose end never
    /// comes; returns the status line and what followed, read while the body is still "uploading".
    /// </summary>
    private static async Task<(int Status, string Body, TimeSpan Elapsed)> PostEndlessAsync(AttendanceWorld w, string url, string start)
    {
        var baseUri = new Uri(w.World.Host.BaseUrl);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(baseUri.Host, baseUri.Port);
        var stream = tcp.GetStream();
        var chunk = Encoding.ASCII.GetBytes(start);
        var head = $"POST /{url} HTTP/1.1\r\nHost: {baseUri.Authority}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n{chunk.Length:x}\r\n";
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(chunk);
        await stream.WriteAsync("\r\n"u8.ToArray());
        await stream.FlushAsync();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            // Until the page is complete (the layout ends with </html>) or the server stops talking.
            while (!Encoding.UTF8.GetString(received.ToArray()).Contains("</html>", StringComparison.Ordinal))
            {
                var n = await stream.ReadAsync(buffer, timeout.Token);
                if (n == 0)
                {
                    break;
                }

                received.Write(buffer, 0, n);
            }
        }
        catch (OperationCanceledException)
        {
            // No answer while the body was still open: the app is waiting for the body.
        }

        var text = Encoding.UTF8.GetString(received.ToArray());
        var status = text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? int.Parse(text[9..12], System.Globalization.CultureInfo.InvariantCulture) : 0;
        return (status, text, clock.Elapsed);
    }
}
