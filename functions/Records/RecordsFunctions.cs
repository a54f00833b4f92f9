using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Records;

/// <summary>
/// The records routes: a person's JP ledger by NIP (administrators), an agency's staff with their ledgers
/// (coordinators, organizers), and a cycle's SIASN export: the CSV and the ZIP of PDFs named by NIP.
/// </summary>
public sealed class RecordsFunctions(Ledger ledger, CycleStore cycles, ParticipantStore participants, CertificateIssuer issuer, AppTables tables, AuditLog audit, TimeProvider time)
{
    [Function(nameof(GetPersonRecord))]
    [Requires(Permission.ViewPersonalData, AccessScope.AllCycles)]
    public async Task<IActionResult> GetPersonRecord(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "records/people/{nip}")] HttpRequest request,
        string nip)
    {
        var checkedNip = Nip.Validate(nip, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
        if (!checkedNip.IsValid)
        {
            return Http.Error(StatusCodes.Status400BadRequest, "invalid_nip", nameof(Texts.Error_Records_NipInvalid));
        }

        var rows = await ledger.ForNipAsync(checkedNip.Normalized!, request.HttpContext.RequestAborted);
        var actor = AuditActors.Of(request);
        foreach (var row in rows)
        {
            // Who looked at whose record (UU PDP): in each cycle the record comes from.
            await audit.ViewedAsync(row.RowKey, actor, "records-person", row.ParticipantId, cancellationToken: request.HttpContext.RequestAborted);
        }

        return Http.Ok(Person(checkedNip.Normalized!, rows));
    }

    [Function(nameof(ListAgencyRecords))]
    [Requires(Permission.ViewParticipants, AccessScope.Cycle)]
    public async Task<IActionResult> ListAgencyRecords(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/records")] HttpRequest request,
        string cycleId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        if (await cycles.GetAsync(cycleId, cancellationToken) is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var people = await VisibleAsync(request, cycleId, cancellationToken);
        await audit.ViewedAsync(cycleId, AuditActors.Of(request), "records-agency", cancellationToken: cancellationToken);
        var result = new List<(string Name, object Person)>();
        await Parallel.ForEachAsync(people.Where(p => p.Nip is not null).DistinctBy(p => p.Nip), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (p, ct) =>
        {
            var rows = await ledger.ForNipAsync(p.Nip!, ct);
            lock (result)
            {
                result.Add((p.FullName ?? "", new { participantId = p.RowKey, fullName = p.FullName, agency = p.Agency, record = Person(p.Nip!, rows) }));
            }
        });

        return Http.Ok(new { cycleId, requiredJpPerYear = Ledger.RequiredJpPerYear, people = result.OrderBy(r => r.Name, StringComparer.CurrentCultureIgnoreCase).Select(r => r.Person).ToList() });
    }

    [Function(nameof(ExportSiasnCsv))]
    [Requires(Permission.ViewParticipants, AccessScope.Cycle)]
    public async Task<IActionResult> ExportSiasnCsv(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/siasn.csv")] HttpRequest request,
        string cycleId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var cycle = await cycles.GetAsync(cycleId, cancellationToken);
        if (cycle is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        if (SiasnExport.Missing(cycle.Definition) is { Count: > 0 } missing)
        {
            return Http.Error(StatusCodes.Status409Conflict, "siasn_settings_missing", nameof(Texts.Error_Records_SiasnSettings), [string.Join(", ", missing)], new { fields = missing });
        }

        var people = await VisibleAsync(request, cycleId, cancellationToken);
        var rows = SiasnExport.Rows(cycle, people, await CurrentCertificatesAsync(cycleId, cancellationToken), issuer.VerificationUri);
        await audit.ViewedAsync(cycleId, AuditActors.Of(request), "siasn-export", details: Agency(request) is { } a ? "agency=" + PlainText.Line(a, 100) : null, cancellationToken: cancellationToken);
        return new FileContentResult(SiasnExport.ToCsv(rows), "text/csv; charset=utf-8") { FileDownloadName = $"siasn-{cycleId}.csv" };
    }

    [Function(nameof(DownloadCertificatesZip))]
    [Requires(Permission.ViewParticipants, AccessScope.Cycle)]
    public async Task<IActionResult> DownloadCertificatesZip(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/certificates.zip")] HttpRequest request,
        string cycleId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        if (await cycles.GetAsync(cycleId, cancellationToken) is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var people = await VisibleAsync(request, cycleId, cancellationToken);
        var current = await CurrentCertificatesAsync(cycleId, cancellationToken);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var items = new List<ZipItem>();
        foreach (var p in people.OrderBy(p => p.Nip, StringComparer.Ordinal))
        {
            if (current.TryGetValue(p.RowKey, out var c) && c.Status == CertificateStatus.Valid)
            {
                // Named by NIP, as the agency's HR office uploads them; someone without a NIP by their certificate id.
                var name = p.Nip is { } nip ? SiasnExport.PdfName(nip) : c.RowKey + ".pdf";
                if (used.Add(name))
                {
                    items.Add(new ZipItem(name, c.BlobName));
                }
            }
        }

        await audit.ViewedAsync(cycleId, AuditActors.Of(request), "certificates-zip", details: $"{items.Count} pdf" + (Agency(request) is { } a ? "; agency=" + PlainText.Line(a, 100) : ""), cancellationToken: cancellationToken);
        return new CertificateZipResult(issuer.Container, items, $"sertifikat-{cycleId}.zip");
    }

    /// <summary>The cycle's people the caller may see (a coordinator: their agency), narrowed by <c>?agency=</c>.</summary>
    private async Task<IReadOnlyList<ParticipantEntity>> VisibleAsync(HttpRequest request, string cycleId, CancellationToken cancellationToken)
    {
        IEnumerable<ParticipantEntity> all = await participants.ListAsync(cycleId, cancellationToken);
        if (RequestAccess.Of(request)?.AgencyFilter(cycleId) is { } agencies)
        {
            all = all.Where(p => p.Agency is { } agency && agencies.Contains(CallerAccess.AgencyKey(agency)));
        }

        if (Agency(request) is { } wanted)
        {
            var key = CallerAccess.AgencyKey(wanted);
            all = all.Where(p => p.Agency is { } agency && CallerAccess.AgencyKey(agency) == key);
        }

        return [.. all];
    }

    private static string? Agency(HttpRequest request) => request.Query["agency"].ToString().Trim() is { Length: > 0 } a ? a : null;

    /// <summary>Each participant's certificate in force: the highest version that is not superseded.</summary>
    private async Task<IReadOnlyDictionary<string, CertificateEntity>> CurrentCertificatesAsync(string cycleId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Certificates, cancellationToken);
        var current = new Dictionary<string, CertificateEntity>(StringComparer.Ordinal);
        await foreach (var c in table.QueryAsync<CertificateEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {cycleId}"), cancellationToken: cancellationToken))
        {
            if (c.Status == CertificateStatus.Superseded)
            {
                continue;
            }

            if (!current.TryGetValue(c.ParticipantId, out var known) || c.Version > known.Version)
            {
                current[c.ParticipantId] = c;
            }
        }

        return current;
    }

    public static object Person(string nip, IReadOnlyList<LedgerEntity> rows) => new
    {
        nip,
        fullName = rows.FirstOrDefault(r => r.Counts)?.FullName ?? rows.FirstOrDefault()?.FullName,
        requiredJpPerYear = Ledger.RequiredJpPerYear,
        years = Ledger.Years(rows).Select(y => new { year = y.Year, jp = y.Jp, required = y.Required, met = y.Met }),
        entries = rows.Select(Ledger.View),
    };
}
