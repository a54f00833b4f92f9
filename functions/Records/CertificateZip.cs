using System.IO.Compression;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace TrainingCycles.Records;

/// <summary>One PDF in a ZIP: the name inside the archive and the private blob it is read from.</summary>
public sealed record ZipItem(string EntryName, string BlobName);

/// <summary>
/// A ZIP of stored PDFs written straight to the response: one entry at a time, each blob streamed from storage into
/// its entry, so memory stays at a few buffers whatever the number of certificates. PDFs are compressed already, so
/// entries are stored (no deflate: no CPU spent for nothing). Nothing is written until the first blob answers, so a
/// storage failure before that is still an error status; after that the archive is cut short (the client sees a
/// truncated download, never a wrong one).
/// </summary>
public sealed class CertificateZipResult(BlobContainerClient container, IReadOnlyList<ZipItem> items, string fileName) : IActionResult
{
    public async Task ExecuteResultAsync(ActionContext context)
    {
        var response = context.HttpContext.Response;
        var cancellationToken = context.HttpContext.RequestAborted;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/zip";
        response.Headers.ContentDisposition = new System.Net.Mime.ContentDisposition { FileName = fileName }.ToString();
        response.Headers.CacheControl = "no-store";
        await WriteAsync(container, items, response.Body, cancellationToken);
    }

    /// <summary>Writes the archive to <paramref name="output"/> (which need not be seekable, nor accept synchronous writes).</summary>
    public static async Task WriteAsync(BlobContainerClient container, IReadOnlyList<ZipItem> items, Stream output, CancellationToken cancellationToken)
    {
        await using var bridge = new AsyncOnlyOutput(output);
        await using (var zip = await ZipArchive.CreateAsync(bridge, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, cancellationToken))
        {
            foreach (var item in items)
            {
                var blob = await container.GetBlobClient(item.BlobName).DownloadStreamingAsync(cancellationToken: cancellationToken);
                await using var source = blob.Value.Content;
                var entry = zip.CreateEntry(item.EntryName, CompressionLevel.NoCompression);
                await using (var target = await entry.OpenAsync(cancellationToken))
                {
                    await source.CopyToAsync(target, 64 * 1024, cancellationToken);
                }

                await bridge.FlushAsync(cancellationToken);
            }
        }

        await bridge.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// ZipArchive still writes an entry's data descriptor and the central directory synchronously, which a server
    /// response refuses. Those small synchronous writes are held here and sent asynchronously before the next
    /// asynchronous write or flush; the entries' content passes straight through. What is held is a few hundred bytes
    /// per entry (and the central directory at the end), never a PDF.
    /// </summary>
    private sealed class AsyncOnlyOutput(Stream inner) : Stream
    {
        private readonly MemoryStream _held = new();
        private long _position;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _held.Write(buffer);
            _position += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await SendHeldAsync(cancellationToken);
            await inner.WriteAsync(buffer, cancellationToken);
            _position += buffer.Length;
        }

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            await SendHeldAsync(cancellationToken);
            await inner.FlushAsync(cancellationToken);
        }

        public override void Flush()
        {
            // Nothing synchronous reaches the response; FlushAsync sends what is held.
        }

        private async Task SendHeldAsync(CancellationToken cancellationToken)
        {
            if (_held.Length > 0)
            {
                await inner.WriteAsync(_held.GetBuffer().AsMemory(0, (int)_held.Length), cancellationToken);
                _held.SetLength(0);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            await SendHeldAsync(CancellationToken.None);
            await _held.DisposeAsync();
            await base.DisposeAsync();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _held.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
