using System.Xml.Linq;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Identity;

/// <summary>
/// The Data Protection key ring in a private blob container that every instance reads, one blob per element
/// (<c>key-{guid}.xml</c>, already wrapped by <see cref="KeyRingEncryptor"/>). Writes are create-only
/// (<c>If-None-Match: *</c>): two instances that create keys at the same moment each add their own blob, and neither
/// can replace the other's; a name that is somehow taken gets a fresh suffix instead of overwriting. Data Protection
/// calls this synchronously and caches the ring (re-reading it at least daily), so the synchronous SDK calls are rare.
/// </summary>
public sealed class BlobXmlRepository : IXmlRepository
{
    private readonly BlobContainerClient _container;
    private readonly Lazy<bool> _created;

    public BlobXmlRepository(StorageAccount storage, IOptions<EmailSignInOptions> options)
    {
        _container = storage.Blobs.GetBlobContainerClient(options.Value.KeyContainer);
        _created = new Lazy<bool>(() =>
        {
            _container.CreateIfNotExists(PublicAccessType.None);
            return true;
        }, LazyThreadSafetyMode.PublicationOnly);
    }

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        _ = _created.Value;
        var elements = new List<XElement>();
        foreach (var item in _container.GetBlobs())
        {
            if (!item.Name.EndsWith(".xml", StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                using var stream = _container.GetBlobClient(item.Name).OpenRead();
                elements.Add(XElement.Load(stream));
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                // Listed then deleted (an operator cleaning up): nothing to read.
            }
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        _ = _created.Value;
        var name = SafeName(friendlyName);
        var content = BinaryData.FromString(element.ToString(SaveOptions.DisableFormatting));
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                _container.GetBlobClient(name + ".xml").Upload(content, new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/xml" },
                });
                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < 3)
            {
                name = SafeName(friendlyName) + "-" + Ids.RandomString(8);
            }
        }
    }

    private static string SafeName(string? friendlyName)
    {
        var name = new string((friendlyName ?? "").Where(c => char.IsAsciiLetterOrDigit(c) || c == '-').ToArray());
        return name.Length is > 0 and <= 200 ? name : "element-" + Ids.RandomString(12);
    }
}
