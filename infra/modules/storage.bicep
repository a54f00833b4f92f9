@description('Globally unique storage account name: 3-24 lowercase letters and digits.')
@minLength(3)
@maxLength(24)
param name string

param location string = resourceGroup().location
param tags { *: string } = {}

@description('Private blob containers to create up front. Queues, tables and other containers are created at runtime by whoever uses them.')
param containerNames string[] = []

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

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: account
  name: 'default'
  properties: {
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

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
