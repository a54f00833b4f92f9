// Grants built-in roles on the exact resource a principal needs, never on the resource group, so the
// app's identity can reach nothing else that is ever added to the group.

@description('The built-in roles this system grants. The name is what the principal may do.')
type roleName =
  | 'Storage Blob Data Owner'
  | 'Storage Blob Data Contributor'
  | 'Storage Blob Delegator'
  | 'Storage Queue Data Contributor'
  | 'Storage Table Data Contributor'
  | 'Key Vault Secrets User'
  | 'Key Vault Secrets Officer'
  | 'Monitoring Metrics Publisher'

type grant = {
  role: roleName
  principalId: string
  @description('Give it for identities created in the same deployment: ARM then skips the directory look-up that can fail while a new identity is still replicating. Leave it out for a principal of unknown kind (a person locally, a service principal in CI).')
  principalType: ('ServicePrincipal' | 'User' | 'Group')?
  @description('Why the principal needs the role; shown with the assignment in the portal.')
  reason: string?
}

@description('A grant on one named blob container, table or queue of the storage account (least privilege, #23).')
type scopedGrant = {
  role: roleName
  principalId: string
  principalType: ('ServicePrincipal' | 'User' | 'Group')?
  reason: string?
  @description('The container, table or queue name; it must already be declared (storage.bicep).')
  target: string
}

param storageAccountName string

@description('Grants on the whole account: only for people (the deployer) and for Storage Blob Delegator, whose one action exists at account level only.')
param storageGrants grant[] = []

param containerGrants scopedGrant[] = []
param tableGrants scopedGrant[] = []
param queueGrants scopedGrant[] = []

param keyVaultName string
param keyVaultGrants grant[] = []

param applicationInsightsName string
param applicationInsightsGrants grant[] = []

var roleDefinitionIds = {
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  'Storage Blob Data Contributor': 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  'Storage Blob Delegator': 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
  'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6'
  'Key Vault Secrets Officer': 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' existing = {
  parent: storageAccount
  name: 'default'
}

resource grantedContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' existing = [
  for g in containerGrants: {
    parent: blobService
    name: g.target
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-01-01' existing = {
  parent: storageAccount
  name: 'default'
}

resource grantedTables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-01-01' existing = [
  for g in tableGrants: {
    parent: tableService
    name: g.target
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' existing = {
  parent: storageAccount
  name: 'default'
}

resource grantedQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' existing = [
  for g in queueGrants: {
    parent: queueService
    name: g.target
  }
]

resource keyVault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Bicep fixes a role assignment's scope at compile time, so each kind of target resource has its own loop.
// Names are derived from scope, principal and role, which makes a re-run update rather than duplicate.

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for g in storageGrants: {
    name: guid(storageAccount.id, g.principalId, roleDefinitionIds[g.role])
    scope: storageAccount
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionIds[g.role])
      principalId: g.principalId
      principalType: g.?principalType
      description: g.?reason
    }
  }
]

resource containerRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (g, i) in containerGrants: {
    name: guid(grantedContainers[i].id, g.principalId, roleDefinitionIds[g.role])
    scope: grantedContainers[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionIds[g.role])
      principalId: g.principalId
      principalType: g.?principalType
      description: g.?reason
    }
  }
]

resource tableRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (g, i) in tableGrants: {
    name: guid(grantedTables[i].id, g.principalId, roleDefinitionIds[g.role])
    scope: grantedTables[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionIds[g.role])
      principalId: g.principalId
      principalType: g.?principalType
      description: g.?reason
    }
  }
]

resource queueRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (g, i) in queueGrants: {
    name: guid(grantedQueues[i].id, g.principalId, roleDefinitionIds[g.role])
    scope: grantedQueues[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionIds[g.role])
      principalId: g.principalId
      principalType: g.?principalType
      description: g.?reason
    }
  }
]

resource keyVaultRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for g in keyVaultGrants: {
    name: guid(keyVault.id, g.principalId, roleDefinitionIds[g.role])
    scope: keyVault
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionIds[g.role])
      principalId: g.principalId
      principalType: g.?principalType
      description: g.?reason
    }
  }
]

resource applicationInsightsRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for g in applicationInsightsGrants: {
    name: guid(applicationInsights.id, g.principalId, roleDefinitionIds[g.role])
    scope: applicationInsights
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionIds[g.role])
      principalId: g.principalId
      principalType: g.?principalType
      description: g.?reason
    }
  }
]
