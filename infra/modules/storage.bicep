@description('Globally unique storage account name: 3-24 lowercase letters and digits.')
@minLength(3)
@maxLength(24)
param name string

param location string = resourceGroup().location
param tags { *: string } = {}

@description('Private blob containers, declared up front: the app\'s identity is granted each one by name (role-assignment.bicep), so none may appear only at runtime.')
param containerNames string[] = []

@description('Tables, declared up front for the same reason (the app and the Durable task hub).')
param tableNames string[] = []

@description('Queues, declared up front for the same reason (the Durable task hub\'s control and work-item queues).')
param queueNames string[] = []

@description('Resource id of the Log Analytics workspace that receives the storage read/write/delete logs (#23). Empty sends none.')
param logAnalyticsWorkspaceId string = ''

@description('Redundancy. Locally redundant is enough for state that the workflow can rebuild; choose Standard_ZRS where the region offers it and zone failures matter.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param skuName string = 'Standard_LRS'

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    // Every caller authenticates with Entra ID; an account key would be a second, unaudited way in.
    allowSharedKeyAccess: false
    // The portal's storage browser would otherwise try account keys first and fail.
    defaultToOAuthAuthentication: true
    // Certificates are private; downloads go through short-lived user delegation SAS links.
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // Flex Consumption without a virtual network reaches storage over the public endpoint; Entra-only
    // authentication above is what keeps it closed.
    publicNetworkAccess: 'Enabled'
  }
}

@description('Days a deleted blob or container can be restored (soft delete, #23). An erasure deletes certificate PDFs: their soft-deleted copies end with this window (docs/privacy.md).')
@minValue(1)
@maxValue(365)
param softDeleteDays int = 7

@description('Blob versioning (#23): an overwritten or deleted document stays recoverable as a previous version. The lifecycle rule below deletes previous versions after previousVersionDays, and an erasure deletes them at once (Privacy/BlobErasure.cs).')
param enableVersioning bool = true

@description('Days after which the lifecycle rule deletes a previous blob version (the policy runs once a day, so removal happens within about a day after this).')
@minValue(1)
@maxValue(30)
param previousVersionDays int = 1

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: account
  name: 'default'
  properties: {
    isVersioningEnabled: enableVersioning
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = [
  for containerName in containerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

// Previous versions of any blob (documents are the only blobs overwritten) go after previousVersionDays: versioning
// protects against an accidental overwrite for a day, not as an archive of personal data.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-01-01' = if (enableVersioning) {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-previous-versions'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
            }
            actions: {
              version: {
                delete: {
                  daysAfterCreationGreaterThan: previousVersionDays
                }
              }
            }
          }
        }
      ]
    }
  }
  dependsOn: [
    blobService
  ]
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-01-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-01-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: tableName
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

// Who read, wrote or deleted what (#23: breach support needs the data-plane log, kept in Log Analytics).
var storageLogs = [
  {
    category: 'StorageRead'
    enabled: true
  }
  {
    category: 'StorageWrite'
    enabled: true
  }
  {
    category: 'StorageDelete'
    enabled: true
  }
]

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(logAnalyticsWorkspaceId)) {
  name: 'to-log-analytics'
  scope: blobService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: storageLogs
  }
}

resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(logAnalyticsWorkspaceId)) {
  name: 'to-log-analytics'
  scope: tableService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: storageLogs
  }
}

resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(logAnalyticsWorkspaceId)) {
  name: 'to-log-analytics'
  scope: queueService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: storageLogs
  }
}

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
