using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace TrainingCycles.Privacy;

/// <summary>
/// Deletes a document blob for an erasure: the current blob (with snapshots) and then every previous version, where
/// the store keeps versions (infra/: blob versioning is on for documents, #23). Deleting the current blob first turns
/// it into a previous version, so the listing that follows finds it too. A store without versioning (Azurite, or an
/// account with it off) lists no version ids, or refuses the listing: then the current blob is all there was.
/// What remains after this is soft-deleted copies, which end with the soft-delete window (7 days, docs/privacy.md).
/// </summary>
public static class BlobErasure
{
    /// <summary>True when anything was deleted (a retry finds nothing and returns false).</summary>
    public static async Task<bool> DeleteWithVersionsAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        var deleted = (await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken)).Value;
        foreach (var versionId in await VersionsAsync(blob, cancellationToken))
        {
            try
            {
                deleted |= (await blob.WithVersion(versionId).DeleteIfExistsAsync(cancellationToken: cancellationToken)).Value;
            }
            catch (RequestFailedException e) when (e.Status is 400 or 409)
            {
                // The current version (not deletable by id) or a version already going: nothing of it left to remove.
            }
        }

        return deleted;
    }

    /// <summary>The blob's version ids; none where the store has no versioning.</summary>
    public static async Task<IReadOnlyList<string>> VersionsAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        var versions = new List<string>();
        try
        {
            var container = blob.GetParentBlobContainerClient();
            await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.Version, blob.Name, cancellationToken))
            {
                if (item.Name == blob.Name && item.VersionId is { Length: > 0 } id)
                {
                    versions.Add(id);
                }
            }
        }
        catch (RequestFailedException e) when (e.Status is 400 or 501)
        {
            // No versioning on this store (the emulator may refuse include=versions): there are no versions to delete.
        }

        return versions;
    }
}
