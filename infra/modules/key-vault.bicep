@description('Globally unique vault name: 3-24 letters, digits and hyphens.')
@minLength(3)
@maxLength(24)
param name string

param location string = resourceGroup().location
param tags { *: string } = {}

@description('Secret name to value. An empty value leaves that secret as it is in the vault, so values set with az keyvault secret set survive the next provision.')
@secure()
param secrets { *: string } = {}

@description('Once on, it can never be turned off and the vault cannot be purged before the retention period ends, which also blocks azd down --purge. Turn it on for production.')
param enablePurgeProtection bool = false

@description('Days a deleted vault or secret can still be recovered.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Access is granted with Azure roles, per secret reader, like every other resource here; access
    // policies would be a second permission model to audit.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // The service rejects an explicit false, so "off" has to be sent as no value at all.
    enablePurgeProtection: enablePurgeProtection ? true : null
    // App Service resolves Key Vault references from outside any virtual network.
    publicNetworkAccess: 'Enabled'
  }
}

resource secretValues 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = [
  for secret in items(secrets): if (!empty(secret.value)) {
    parent: vault
    name: secret.key
    properties: {
      value: secret.value
    }
  }
]

@description('Resource id of the Log Analytics workspace that receives the vault\'s audit log (every secret read, #23). Empty sends none.')
param logAnalyticsWorkspaceId string = ''

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(logAnalyticsWorkspaceId)) {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'AuditEvent'
        enabled: true
      }
    ]
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
