@description('Name of the user-assigned managed identity.')
param name string

param location string = resourceGroup().location
param tags { *: string } = {}

// User-assigned rather than system-assigned so the identity, and the role assignments made for it, exist
// before the function app does: the app's first start already finds storage and Key Vault access in place.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
