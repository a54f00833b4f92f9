using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs.Models;
using CsvHelper;
using CsvHelper.Configuration;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Records;
using TrainingCycles.Tests.Certificates;
using TrainingCycles.Tests.Identity;
using TrainingCycles.Tests.Support;
using Xunit.Abstractions;

namespace TrainingCycles.Tests.Records;

public sealed class SiasnExportTests
{
    private static string FixturePath([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "Fixtures", "siasn-expected.csv");

    private static JsonObject Settings() => new()
    {
        ["siasnTrainingTypeId"] = "3",
        ["siasnTrainingTypeName"] = "Diklat Teknis",
        ["institution"] = "BPSDM Provinsi Kalimantan Tengah",
    };

    /// <summary>A cycle that never ran: its definition, schedule and row as the store would give them.</summary>
    private static CycleRecord Cycle()
    {
        var definition = new CycleDefinition
        {
            Title = "Pelatihan Dasar Pekerjaan Sosial se-Kalimantan Tengah",
            OrganizerName = "BPSDM Provinsi Kalimantan Tengah",
            Venue = "Aula BPSDM, Jl. Tjilik Riwut Km 5, Palangka Raya",
            Certificate = new CertificateSettings { TrainingHours = 40 },
            Records = new RecordsSettings { SiasnTrainingTypeId = "3", SiasnTrainingTypeName = "Diklat Teknis", SiasnCertificateType = "Pelatihan Teknis" },
        };
        var start = new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero); // 08:00 WIB
        var end = new DateTimeOffset(2026, 12, 11, 18, 30, 0, TimeSpan.Zero); // 01:30 WIB on the 12th: the local date counts
        var schedule = new CycleSchedule("Asia/Jakarta", start.AddDays(-30), start.AddDays(-7),
            [new ScheduledSession("s1", "Hari 1", start, start.AddHours(8)), new ScheduledSession("s2", "Hari 5", end.AddHours(-8), end)], [], []);
        return new CycleRecord("c0123456789abcdef", definition, schedule, new CycleEntity { RowKey = "c0123456789abcdef", Title = definition.Title, TimeZone = "Asia/Jakarta" });
    }

    private static (ParticipantEntity P, CertificateEntity? C) Person(string id, string name, string nip, string level, string? regency, string agency, string? number, string status = CertificateStatus.Valid) =>
        (new ParticipantEntity { RowKey = id, FullName = name, Nip = nip, AgencyLevel = level, Regency = regency, Agency = agency, Email = id + "@example.org" },
         number is null ? null : new CertificateEntity { RowKey = "k" + id, ParticipantId = id, Number = number, Status = status, HolderName = name, VerificationCode = "CODE" + id.ToUpperInvariant().PadRight(8, 'X')[..8] });

    [Fact]
    public void TheCsvMatchesTheFixtureFieldByFieldAndOpensWithTheNipAsText()
    {
        var people = new[]
        {
            Person("p3", "Dr. Siti Aminah, S.Sos., M.Si.", "198503122010012005", "provinsi", null, "Dinas Sosial Provinsi Kalimantan Tengah", "001/BPSDM-KT/2026"),
            Person("p1", "Budi Santoso, S.Kom.", "197911022005011003", "kabupaten", "Kapuas", "Dinas Sosial Kabupaten Kapuas", "002/BPSDM-KT/2026"),
            Person("p2", "=HYPERLINK(\"http://x\")", "199001012015032001", "kota", "Palangka Raya", "Dinas Sosial Kota Palangka Raya", "003/BPSDM-KT/2026"),
            Person("p4", "Dicabut", "198801012012011001", "provinsi", null, "Dinas Sosial Provinsi Kalimantan Tengah", "004/BPSDM-KT/2026", CertificateStatus.Revoked),
            Person("p5", "Tanpa Sertifikat", "198701012011011001", "provinsi", null, "Dinas Sosial Provinsi Kalimantan Tengah", null),
        };
        var current = people.Where(x => x.C is not null).ToDictionary(x => x.P.RowKey, x => x.C!);
        var rows = SiasnExport.Rows(Cycle(), people.Select(x => x.P), current, code => new Uri("https://sertifikat.example/api/verify/" + code));
        var bytes = SiasnExport.ToCsv(rows);

        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        var actual = Read(bytes);
        var expected = Read(File.ReadAllBytes(FixturePath()));
        Assert.Equal(expected[0], actual[0]);
        Assert.Equal(expected.Count, actual.Count);
        for (var r = 1; r < expected.Count; r++)
        {
            for (var c = 0; c < expected[0].Length; c++)
            {
                Assert.True(expected[r][c] == actual[r][c], $"row {r}, {expected[0][c]}: expected '{expected[r][c]}', got '{actual[r][c]}'");
            }
        }

        // As a spreadsheet opens it: the NIP cell is the text formula ="…" (a bare number would keep 15 digits), nothing
        // else runs as a formula, the JP and year are numbers.
        foreach (var row in actual.Skip(1))
        {
            var nip = Spreadsheet(row[0]);
            Assert.True(nip is string { Length: 18 }, $"NIP opens as {nip}");
            for (var c = 1; c < row.Length; c++)
            {
                Assert.IsNotType<Formula>(Spreadsheet(row[c]));
            }

            Assert.Equal(40m, Spreadsheet(row[Array.IndexOf(actual[0], "jumlah_jam")]));
            Assert.Equal(2026m, Spreadsheet(row[Array.IndexOf(actual[0], "tahun")]));
        }

        Assert.Equal(decimal.Parse("198503122010012000", CultureInfo.InvariantCulture), Spreadsheet("198503122010012005")); // what a bare NIP would become
    }

    private sealed record Formula(string Text);

    /// <summary>What a spreadsheet makes of a cell: ="text" is text, other =… a formula, numbers keep 15 significant digits.</summary>
    private static object Spreadsheet(string cell)
    {
        if (cell.StartsWith("=\"", StringComparison.Ordinal) && cell.EndsWith('"') && !cell[2..^1].Contains('"'))
        {
            return cell[2..^1];
        }

        if (cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@')
        {
            return new Formula(cell);
        }

        if (decimal.TryParse(cell, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            var digits = cell.Length;
            return digits > 15 ? Math.Round(number / (decimal)Math.Pow(10, digits - 15)) * (decimal)Math.Pow(10, digits - 15) : number;
        }

        return cell;
    }

    private static List<string[]> Read(byte[] csv)
    {
        using var reader = new CsvReader(new StringReader(Encoding.UTF8.GetString(csv).TrimStart('\uFEFF')), new CsvConfiguration(CultureInfo.InvariantCulture) { HasHeaderRecord = false });
        var rows = new List<string[]>();
        while (reader.Read())
        {
            rows.Add([.. Enumerable.Range(0, reader.Parser.Count).Select(i => reader.GetField(i) ?? "")]);
        }

        return rows;
    }

    [Fact]
    public async Task ACoordinatorDownloadsTheirAgencysCsvAndPdfZipNamedByNip()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var bare = await LedgerTests.NewCycleAsync(world, DateTimeOffset.UtcNow, 40);
        using var unset = await world.Organizer.GetAsync($"api/cycles/{bare}/siasn.csv");
        Assert.Equal(HttpStatusCode.Conflict, unset.StatusCode);
        Assert.Equal("siasn_settings_missing", (await unset.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());

        var cycleId = await LedgerTests.NewCycleAsync(world, DateTimeOffset.UtcNow, 40, records: Settings());
        var people = await CertificateSetup.AddEligibleAsync(world, cycleId, ["Dr. Siti Aminah, S.Sos., M.Si.", "Budi Santoso, S.Kom.", "Rina Marlina, S.H."]);
        people[2].Agency = "Dinas Sosial Kabupaten Kapuas";
        await ParticipantRows.ReplaceAsync(world.Host.Services, people[2]);
        var certificates = await CertificateSetup.IssueAsync(world, cycleId);
        await People.GrantAsync(world, "bkpsdm@kalteng.example", TrainingCycles.Identity.Roles.Coordinator, cycleId, agency: RoleWorld.AgencyA);
        using var coordinator = await People.SignInAsync(world, "bkpsdm@kalteng.example");

        using var csvResponse = await coordinator.GetAsync($"api/cycles/{cycleId}/siasn.csv");
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        var rows = Read(await csvResponse.Content.ReadAsByteArrayAsync());
        Assert.Equal(SiasnExport.Header, rows[0]);
        Assert.Equal(2, rows.Count - 1);
        var mine = people.Take(2).Select(p => p.Nip!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(mine.Select(n => $"=\"{n}\""), rows.Skip(1).Select(r => r[0]));
        Assert.All(rows.Skip(1), r => Assert.Equal("3", r[Array.IndexOf(rows[0], "jenis_diklat_id")]));

        using var zipResponse = await coordinator.GetAsync($"api/cycles/{cycleId}/certificates.zip", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, zipResponse.StatusCode);
        Assert.Equal("application/zip", zipResponse.Content.Headers.ContentType?.MediaType);
        using var zip = new ZipArchive(new MemoryStream(await zipResponse.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);
        Assert.Equal(mine.Select(n => n + ".pdf"), zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        foreach (var entry in zip.Entries)
        {
            var holder = people.Single(p => p.Nip + ".pdf" == entry.FullName);
            var certificate = certificates.Single(c => c.ParticipantId == holder.RowKey);
            using var content = new MemoryStream();
            await using (var s = await entry.OpenAsync())
            {
                await s.CopyToAsync(content);
            }

            Assert.Equal(certificate.Sha256, Convert.ToHexString(SHA256.HashData(content.ToArray())).ToLowerInvariant());
        }

        // The organizer sees the whole cycle, and can narrow it to one agency.
        using var all = await world.Organizer.GetAsync($"api/cycles/{cycleId}/siasn.csv");
        Assert.Equal(4, Read(await all.Content.ReadAsByteArrayAsync()).Count);
        using var kapuas = await world.Organizer.GetAsync($"api/cycles/{cycleId}/certificates.zip?agency={Uri.EscapeDataString("dinas sosial kabupaten  kapuas")}");
        using var kapuasZip = new ZipArchive(new MemoryStream(await kapuas.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);
        Assert.Equal(people[2].Nip + ".pdf", Assert.Single(kapuasZip.Entries).FullName);
    }

    internal sealed class MeasuringStream(long baseline) : Stream
    {
        private long _length;
        private long _sinceSample;

        public long PeakGrowth { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _length += buffer.Length;
            _sinceSample += buffer.Length;
            if (_sinceSample >= 2 * 1024 * 1024)
            {
                _sinceSample = 0;
                PeakGrowth = Math.Max(PeakGrowth, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>Tests that measure the process's managed heap run alone (after the parallel collections): another test's
/// allocations on the same heap would be counted as theirs.</summary>
[CollectionDefinition(nameof(HeapMeasuringCollection), DisableParallelization = true)]
public sealed class HeapMeasuringCollection;

[Collection(nameof(HeapMeasuringCollection))]
public sealed class CertificateZipMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AZipOfTwoThousandCertificatesIsStreamedWithBoundedMemory()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var container = world.Host.Services.GetRequiredService<CertificateIssuer>().Container;
        await container.CreateIfNotExistsAsync(PublicAccessType.None);
        const int Count = 2000, Size = 24 * 1024;
        var items = Enumerable.Range(0, Count).Select(i => new ZipItem(CertificateSetup.Nip(i) + $"-{i:0000}.pdf", $"zip-test/{i:0000}.pdf")).ToList();
        var hashes = new string[Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, Count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            var bytes = RandomNumberGenerator.GetBytes(Size); // incompressible, like a PDF's streams
            hashes[i] = Convert.ToHexString(SHA256.HashData(bytes));
            await container.GetBlobClient(items[i].BlobName).UploadAsync(new BinaryData(bytes), ct);
        });

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var sink = new SiasnExportTests.MeasuringStream(baseline);
        await CertificateZipResult.WriteAsync(container, items, sink, CancellationToken.None);
        var total = (long)Count * Size;
        output.WriteLine($"ZIP of {Count} × {Size / 1024} KB = {sink.Length / (1024 * 1024)} MB written; managed heap peaked {sink.PeakGrowth / (1024 * 1024)} MB above the start");
        Assert.True(sink.Length > total, $"the archive holds {sink.Length} bytes");
        // Built in memory, the archive alone would be ~47 MB on the heap; streamed, a few buffers are.
        Assert.True(sink.PeakGrowth < total / 4, $"managed heap grew by {sink.PeakGrowth} bytes while writing {total} bytes");

        // And it is a real archive: every entry there, in order, byte for byte (read back from the captured tail of the
        // stream is not possible when nothing is kept, so the check reads a second archive of a sample).
        using var sample = new MemoryStream();
        await CertificateZipResult.WriteAsync(container, [.. items.Take(50)], sample, CancellationToken.None);
        using var zip = new ZipArchive(new MemoryStream(sample.ToArray()), ZipArchiveMode.Read);
        Assert.Equal(items.Take(50).Select(i => i.EntryName), zip.Entries.Select(e => e.FullName));
        for (var i = 0; i < 50; i++)
        {
            using var data = new MemoryStream();
            await using (var s = await zip.Entries[i].OpenAsync())
            {
                await s.CopyToAsync(data);
            }

            Assert.Equal(hashes[i], Convert.ToHexString(SHA256.HashData(data.ToArray())));
        }
    }

    /// <summary>A write-only, non-seekable sink (like a response body) that keeps nothing and samples the managed heap.</summary>
}
