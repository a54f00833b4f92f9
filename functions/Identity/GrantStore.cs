using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Identity;

/// <summary>One stored grant. PK = subject (<c>aad:…</c>, <c>email:…</c>, <c>service:…</c>), RK = grant id (a hash of
/// the subject, role and scope, so the same grant given twice is one row).</summary>
public sealed class GrantEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Role { get; set; } = "";
    public string? CycleId { get; set; }
    public string? SessionId { get; set; }
    public string? Agency { get; set; }
    public string GrantedBy { get; set; } = "";
    public string GrantedByName { get; set; } = "";
    public DateTimeOffset GrantedAt { get; set; }
}

/// <summary>
/// Grants are insert-only rows: granting adds a row (the same grant twice is a conflict on the same key, answered
/// with the row that exists), revoking deletes it. Every request reads the caller's rows (two point-partition
/// queries); no instance caches them, so a revoked grant stops working on the next request everywhere.
/// </summary>
public sealed class GrantStore(AppTables tables)
{
    public static string IdFor(string subject, string role, string? cycleId, string? sessionId, string? agency)
    {
        var text = string.Join('\n', subject, role, cycleId ?? "", sessionId ?? "", agency is null ? "" : CallerAccess.AgencyKey(agency));
        return "g" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..24].ToLowerInvariant();
    }

    public static bool LooksLikeId(string? id) => id is { Length: 25 } && id[0] == 'g' && id.AsSpan(1).IndexOfAnyExcept("0123456789abcdef") < 0;

    /// <summary>The stored grants whose subject is the user's id or their email address.</summary>
    public async Task<IReadOnlyList<AccessGrant>> ForUserAsync(AuthenticatedUser user, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.AccessGrants, cancellationToken);
        var subjects = new List<string> { user.UserId };
        if (user.Email is { Length: > 0 } email && !string.Equals(user.UserId, Subjects.ForEmail(email), StringComparison.Ordinal))
        {
            subjects.Add(Subjects.ForEmail(email));
        }

        var result = new List<AccessGrant>();
        foreach (var subject in subjects)
        {
            await foreach (var row in table.QueryAsync<GrantEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {subject}"), cancellationToken: cancellationToken))
            {
                result.Add(View(row));
            }
        }

        return result;
    }

    public async Task<IReadOnlyList<AccessGrant>> ListAsync(string? cycleId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.AccessGrants, cancellationToken);
        var query = cycleId is null
            ? table.QueryAsync<GrantEntity>(cancellationToken: cancellationToken)
            : table.QueryAsync<GrantEntity>(TableClient.CreateQueryFilter($"CycleId eq {cycleId}"), cancellationToken: cancellationToken);
        var result = new List<AccessGrant>();
        await foreach (var row in query)
        {
            result.Add(View(row));
        }

        return result;
    }

    /// <summary>Adds the grant; when the same grant exists already, returns that one and false.</summary>
    public async Task<(AccessGrant Grant, bool Created)> AddAsync(string subject, string role, string? cycleId, string? sessionId, string? agency, AuthenticatedUser by, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.AccessGrants, cancellationToken);
        var row = new GrantEntity
        {
            PartitionKey = subject,
            RowKey = IdFor(subject, role, cycleId, sessionId, agency),
            Role = role,
            CycleId = cycleId,
            SessionId = sessionId,
            Agency = agency,
            GrantedBy = by.UserId,
            GrantedByName = by.DisplayName,
            GrantedAt = at,
        };
        try
        {
            await table.AddEntityAsync(row, cancellationToken);
            return (View(row), true);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = await table.GetEntityAsync<GrantEntity>(row.PartitionKey, row.RowKey, cancellationToken: cancellationToken);
            return (View(existing.Value), false);
        }
    }

    public async Task<AccessGrant?> FindAsync(string grantId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.AccessGrants, cancellationToken);
        await foreach (var row in table.QueryAsync<GrantEntity>(TableClient.CreateQueryFilter($"RowKey eq {grantId}"), maxPerPage: 1, cancellationToken: cancellationToken))
        {
            return View(row);
        }

        return null;
    }

    /// <summary>Deletes the row; false when it was already gone.</summary>
    public async Task<bool> RemoveAsync(AccessGrant grant, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.AccessGrants, cancellationToken);
        try
        {
            await table.DeleteEntityAsync(grant.Subject, grant.Id, ETag.All, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    private static AccessGrant View(GrantEntity row) =>
        new(row.RowKey, row.PartitionKey, row.Role, row.CycleId, row.SessionId, row.Agency, "grant", row.GrantedBy, row.GrantedByName, row.GrantedAt);
}

/// <summary>How people are named in grants.</summary>
public static class Subjects
{
    public const int MaxLength = 254;

    public static string ForEmail(string email) => "email:" + email.Trim().ToLowerInvariant();

    /// <summary>An address or a user id as a grant subject: <c>budi@x.go.id</c> → <c>email:budi@x.go.id</c>; <c>aad:…</c>,
    /// <c>email:…</c>, <c>service:…</c> kept (emails lower-cased). Null when it is neither, or holds characters a table
    /// key cannot (/ \ # ? and control characters).</summary>
    public static string? Normalize(string? given)
    {
        var text = given?.Trim() ?? "";
        if (text.Length is 0 or > MaxLength || text.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '/' or '\\' or '#' or '?'))
        {
            return null;
        }

        if (text.StartsWith("email:", StringComparison.OrdinalIgnoreCase))
        {
            text = text[6..];
        }
        else if (text.StartsWith("aad:", StringComparison.OrdinalIgnoreCase) || text.StartsWith("service:", StringComparison.OrdinalIgnoreCase))
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return text.Length > colon + 1 ? text[..colon].ToLowerInvariant() + text[colon..] : null;
        }

        var at = text.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at == text.LastIndexOf('@') && text.IndexOf('.', at) > at + 1 && !text.EndsWith('.') ? ForEmail(text) : null;
    }
}
