using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;

namespace TrainingCycles.Infrastructure;

/// <summary>
/// Clients for the app's own tables and blobs, on the same storage account as the Functions host
/// (<c>AzureWebJobsStorage</c>): a connection string locally, a managed identity in Azure
/// (<c>AzureWebJobsStorage__accountName</c> / <c>__clientId</c> / <c>__credential</c>), exactly like the host reads it.
/// </summary>
public sealed class StorageAccount
{
    public const string SettingName = "AzureWebJobsStorage";

    public StorageAccount(TableServiceClient tables, BlobServiceClient blobs)
    {
        Tables = tables;
        Blobs = blobs;
    }

    public TableServiceClient Tables { get; }

    public BlobServiceClient Blobs { get; }

    /// <summary>True when a SAS can be signed with the account key (Azurite, connection strings);
    /// false with a managed identity, where a user delegation key is used instead.</summary>
    public bool CanSignWithAccountKey => Blobs.CanGenerateAccountSasUri;

    public static StorageAccount FromConfiguration(IConfiguration configuration, TableClientOptions? tableOptions = null, BlobClientOptions? blobOptions = null)
    {
        tableOptions ??= new TableClientOptions();
        blobOptions ??= new BlobClientOptions();

        var connectionString = configuration[SettingName];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            try
            {
                return new StorageAccount(new TableServiceClient(connectionString, tableOptions), new BlobServiceClient(connectionString, blobOptions));
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                throw new InvalidOperationException($"Setting '{SettingName}' is not a valid storage connection string: {e.Message}", e);
            }
        }

        var section = configuration.GetSection(SettingName);
        var accountName = section["accountName"];
        var tableUri = section["tableServiceUri"] ?? (accountName is null ? null : $"https://{accountName}.table.core.windows.net");
        var blobUri = section["blobServiceUri"] ?? (accountName is null ? null : $"https://{accountName}.blob.core.windows.net");
        if (tableUri is null || blobUri is null)
        {
            throw new InvalidOperationException(
                $"Setting '{SettingName}' is missing: set it to a connection string (locally 'UseDevelopmentStorage=true') " +
                $"or set '{SettingName}__accountName' (with '{SettingName}__credential'='managedidentity' and '{SettingName}__clientId') in Azure.");
        }

        TokenCredential credential = string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(section["clientId"] is { Length: > 0 } clientId ? ManagedIdentityId.FromUserAssignedClientId(clientId) : ManagedIdentityId.SystemAssigned)
            : new DefaultAzureCredential();

        return new StorageAccount(new TableServiceClient(new Uri(tableUri), credential, tableOptions), new BlobServiceClient(new Uri(blobUri), credential, blobOptions));
    }
}
