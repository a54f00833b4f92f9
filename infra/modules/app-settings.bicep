@description('Name of the existing App Service or function app.')
param appName string

@description('The complete set of app settings. Anything not listed here is removed from the app.')
param settings { *: string }

resource app 'Microsoft.Web/sites@2025-03-01' existing = {
  name: appName
}

// A separate step from creating the app: settings can then use the app's own host name, and the caller can
// make them wait for the role assignments and secrets that identity-based connections and Key Vault
// references need on first resolution.
resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: app
  name: 'appsettings'
  properties: settings
}
