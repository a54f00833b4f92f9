using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.AspNetCore.Http;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Privacy;

/// <summary>A breach query's window and resources, as checked (UTC).</summary>
public sealed record BreachWindow(DateTimeOffset From, DateTimeOffset To, IReadOnlySet<string> Resources);

/// <summary>One person whose data the window's accesses touched (for notification, UU PDP Pasal 46).</summary>
public sealed record AffectedPerson(
    string CycleId, string CycleTitle, string ParticipantId, string? FullName, string? Email, string? Nip, bool Erased,
    IReadOnlyList<string> Resources, int Accesses, DateTimeOffset FirstAccess, DateTimeOffset LastAccess, IReadOnlyList<string> AccessedBy);

/// <summary>
/// Breach support: from the data-access log (audit entries <c>view.*</c>, written by <see cref="AuditLog.ViewedAsync"/>
/// for every look at or export of personal data) the people whose data a time window and a set of resources touched.
/// An entry naming a participant touched that person; an entry without one (a list, an export, an attendance sheet)
/// touched every participant of its cycle — narrowed to the agency or status the entry's details name.
/// </summary>
public sealed partial class BreachReport(AppTables tables, CycleStore cycles, ParticipantStore participants)
{
    public const string ViewPrefix = "view.";
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(366);

    /// <summary>WIB: a time given without an offset is read as Central Kalimantan's clock.</summary>
    private static readonly TimeSpan Wib = TimeSpan.FromHours(7);

    /// <summary>Checks the query: both ends ISO 8601 (an offset or Z, else WIB), end after start, at most a year, known-shaped resource names.</summary>
    public static Refusal? TryParse(string? from, string? to, string? resources, out BreachWindow window)
    {
        window = new BreachWindow(default, default, new HashSet<string>());
        if (!TryTime(from, out var start) || !TryTime(to, out var end))
        {
            return new Refusal(StatusCodes.Status400BadRequest, "invalid_window", nameof(Texts.Error_Privacy_WindowFormat));
        }

        if (end <= start)
        {
            return new Refusal(StatusCodes.Status400BadRequest, "invalid_window", nameof(Texts.Error_Privacy_WindowOrder));
        }

        if (end - start > MaxWindow)
        {
            return new Refusal(StatusCodes.Status400BadRequest, "invalid_window", nameof(Texts.Error_Privacy_WindowTooLong), [(int)MaxWindow.TotalDays]);
        }

        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in (resources ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!ResourceName().IsMatch(r))
            {
                return new Refusal(StatusCodes.Status400BadRequest, "invalid_resource", nameof(Texts.Error_Privacy_InvalidResource));
            }

            set.Add(r.StartsWith(ViewPrefix, StringComparison.Ordinal) ? r[ViewPrefix.Length..] : r);
        }

        window = new BreachWindow(start, end, set);
        return null;
    }

    private static bool TryTime(string? value, out DateTimeOffset at)
    {
        at = default;
        var v = (value ?? "").Trim();
        if (v.Length is < 10 or > 40 || !char.IsAsciiDigit(v[0]))
        {
            return false;
        }

        var hasOffset = v.EndsWith('Z') || v.EndsWith('z') || OffsetSuffix().IsMatch(v);
        if (hasOffset)
        {
            if (!DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.None, out at))
            {
                return false;
            }
        }
        else if (DateTime.TryParseExact(v, ["yyyy-MM-dd", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            at = new DateTimeOffset(local, Wib);
        }
        else
        {
            return false;
        }

        at = at.ToUniversalTime();
        return true;
    }

    /// <summary>The people touched, by cycle and participant, and the resource kinds the window's accesses name.</summary>
    public async Task<(IReadOnlyList<AffectedPerson> People, IReadOnlyList<string> ResourcesSeen, int Accesses)> FindAsync(BreachWindow window, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.AuditLog, cancellationToken);
        var filter = TableClient.CreateQueryFilter($"At ge {window.From} and At le {window.To} and Action ge {ViewPrefix} and Action lt {ViewPrefix + '\uffff'}");
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var touched = new Dictionary<(string Cycle, string Participant), Touch>();
        var accesses = 0;
        var cycleRows = new Dictionary<string, IReadOnlyList<ParticipantEntity>>(StringComparer.Ordinal);
        await foreach (var e in table.QueryAsync<AuditEntity>(filter, cancellationToken: cancellationToken))
        {
            var resource = e.Action[ViewPrefix.Length..];
            seen.Add(resource);
            if ((window.Resources.Count > 0 && !window.Resources.Contains(resource)) || e.PartitionKey == AuditLog.GlobalPartition && e.ParticipantId is null)
            {
                continue;
            }

            accesses++;
            IEnumerable<string> ids;
            if (e.ParticipantId is { Length: > 0 } one)
            {
                ids = [one];
            }
            else
            {
                if (!cycleRows.TryGetValue(e.PartitionKey, out var rows))
                {
                    rows = await participants.ListAsync(e.PartitionKey, cancellationToken);
                    cycleRows[e.PartitionKey] = rows;
                }

                ids = rows.Where(p => Narrowed(p, e.Details)).Select(p => p.RowKey);
            }

            foreach (var id in ids)
            {
                var key = (e.PartitionKey, id);
                if (!touched.TryGetValue(key, out var t))
                {
                    touched[key] = t = new Touch();
                }

                t.Add(resource, e.At, e.Actor);
            }
        }

        var people = new List<AffectedPerson>();
        foreach (var group in touched.GroupBy(t => t.Key.Cycle, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var title = (await cycles.GetAsync(group.Key, cancellationToken))?.Entity.Title ?? "";
            var rows = (await participants.GetManyAsync(group.Key, group.Select(g => g.Key.Participant), cancellationToken)).ToDictionary(p => p.RowKey, StringComparer.Ordinal);
            foreach (var (key, t) in group.OrderBy(g => g.Key.Participant, StringComparer.Ordinal))
            {
                var p = rows.GetValueOrDefault(key.Participant);
                var erased = p is null || ParticipantStore.IsAnonymised(p);
                people.Add(new AffectedPerson(key.Cycle, title, key.Participant, erased ? null : p!.FullName, erased ? null : p!.Email, erased ? null : p!.Nip, erased,
                    [.. t.Resources], t.Count, t.First, t.Last, [.. t.By]));
            }
        }

        return (people, [.. seen], accesses);
    }

    /// <summary>A list entry's details name what it showed: <c>agency=…</c> (a coordinator's export) or <c>status=…</c> (a filtered list).</summary>
    private static bool Narrowed(ParticipantEntity p, string? details)
    {
        foreach (var part in (details ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("agency=", StringComparison.Ordinal) && !string.Equals(Squash(part[7..]), Squash(p.Agency), StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            if (part.StartsWith("status=", StringComparison.Ordinal) && !part[7..].Split(',').Contains(p.Status, StringComparer.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return !p.RowKey.StartsWith("ix-", StringComparison.Ordinal);
    }

    private static string Squash(string? value) => string.Join(' ', (value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>UTF-8 with BOM; every cell formula-safe, the NIP as a text cell (<c>="…"</c>) so a spreadsheet keeps its 18 digits.</summary>
    public static byte[] ToCsv(IReadOnlyList<AffectedPerson> people)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { InjectionOptions = InjectionOptions.None };
        using var buffer = new MemoryStream();
        using (var writer = new StreamWriter(buffer, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)))
        using (var csv = new CsvWriter(writer, config))
        {
            foreach (var header in new[] { "cycle_id", "cycle_title", "participant_id", "full_name", "email", "nip", "erased", "resources", "accesses", "first_access_utc", "last_access_utc", "accessed_by" })
            {
                csv.WriteField(header);
            }

            csv.NextRecord();
            foreach (var p in people)
            {
                foreach (var value in new[] { p.CycleId, p.CycleTitle, p.ParticipantId, p.FullName, p.Email })
                {
                    csv.WriteField(ParticipantFunctions.FormulaSafe(value));
                }

                csv.WriteField(ParticipantFunctions.NipAsText(p.Nip));
                foreach (var value in new[] { p.Erased ? "yes" : "no", string.Join(' ', p.Resources), p.Accesses.ToString(CultureInfo.InvariantCulture),
                    p.FirstAccess.ToString("O", CultureInfo.InvariantCulture), p.LastAccess.ToString("O", CultureInfo.InvariantCulture), string.Join("; ", p.AccessedBy) })
                {
                    csv.WriteField(ParticipantFunctions.FormulaSafe(value));
                }

                csv.NextRecord();
            }
        }

        return buffer.ToArray();
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{0,59}$")]
    private static partial Regex ResourceName();

    [GeneratedRegex("[+-][0-9]{2}:?[0-9]{2}$")]
    private static partial Regex OffsetSuffix();

    private sealed class Touch
    {
        public SortedSet<string> Resources { get; } = new(StringComparer.Ordinal);

        public SortedSet<string> By { get; } = new(StringComparer.Ordinal);

        public int Count { get; private set; }

        public DateTimeOffset First { get; private set; } = DateTimeOffset.MaxValue;

        public DateTimeOffset Last { get; private set; } = DateTimeOffset.MinValue;

        public void Add(string resource, DateTimeOffset at, string by)
        {
            Resources.Add(resource);
            By.Add(by);
            Count++;
            First = at < First ? at : First;
            Last = at > Last ? at : Last;
        }
    }
}
