using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Certificates;

/// <summary>
/// Short-lived, read-only SAS links to certificate blobs. With an account key (Azurite, connection strings) the SAS
/// is signed with the key; with a managed identity (shared-key access off) it is a user delegation SAS, signed with
/// a user delegation key that is fetched once and reused until it is close to expiring.
/// </summary>
public sealed class CertificateLinks(StorageAccount storage, TimeProvider time)
{
    /// <summary>How long a minted link works: long enough to start a download, too short to be worth sharing.</summary>
    public static readonly TimeSpan SasLifetime = TimeSpan.FromMinutes(5);

    // A delegation key may live up to 7 days; a few hours keeps one in use per instance without holding it for long.
    private static readonly TimeSpan DelegationKeyLifetime = TimeSpan.FromHours(6);

    // Storage servers' clocks may run a little ahead of ours: a key that starts "now" could be not yet valid there.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _keyLock = new(1, 1);
    private UserDelegationKey? _key;

    /// <summary>A read-only URL for the blob that stops working <see cref="SasLifetime"/> from now.</summary>
    public Task<Uri> ReadUriAsync(BlobClient blob, CancellationToken cancellationToken = default) =>
        ReadUriAsync(blob, time.GetUtcNow().Add(SasLifetime), cancellationToken);

    public async Task<Uri> ReadUriAsync(BlobClient blob, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        var sas = new BlobSasBuilder(BlobSasPermissions.Read, expiresOn)
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
            Protocol = blob.Uri.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };
        if (storage.CanSignWithAccountKey)
        {
            return blob.GenerateSasUri(sas);
        }

        var key = await DelegationKeyAsync(expiresOn, cancellationToken);
        return new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(key, storage.Blobs.AccountName) }.ToUri();
    }

    private async Task<UserDelegationKey> DelegationKeyAsync(DateTimeOffset mustCover, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _key) is { } cached && cached.SignedExpiresOn >= mustCover)
        {
            return cached;
        }

        await _keyLock.WaitAsync(cancellationToken);
        try
        {
            if (_key is { } current && current.SignedExpiresOn >= mustCover)
            {
                return current;
            }

            var now = time.GetUtcNow();
            var fresh = (await storage.Blobs.GetUserDelegationKeyAsync(now - ClockSkew, now + DelegationKeyLifetime, cancellationToken)).Value;
            Volatile.Write(ref _key, fresh);
            return fresh;
        }
        finally
        {
            _keyLock.Release();
        }
    }
}
