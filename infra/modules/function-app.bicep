@description('Function app name; with the default domain it forms the app\'s host name.')
param name string

@description('Name of the app\'s Flex Consumption plan. Such a plan hosts exactly one app, so the plan is created with it.')
param planName string

param location string = resourceGroup().location
param tags { *: string } = {}

@description('The azure.yaml service this app hosts: azd finds the app to deploy to by the azd-service-name tag.')
param serviceName string

@description('Resource id of the user-assigned identity the app runs as, pulls its package with and reads Key Vault references with.')
param identityId string

@description('Resource id of the user-assigned identity the platform writes and reads the deployment package with. A different identity from identityId, so the identity the code runs as cannot replace its own package (#23).')
param deploymentIdentityId string

@description('URL of the blob container that holds the deployment package.')
param deploymentContainerUrl string

@allowed([
  'dotnet-isolated'
  'node'
  'python'
  'java'
  'powershell'
  'custom'
])
param runtimeName string

param runtimeVersion string

@description('Upper bound on scale-out: caps cost and the load the app can put on storage and SendGrid.')
param maximumInstanceCount int = 100

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Application (client) id of an Entra ID app registration for organizer sign-in (App Service Authentication). Empty leaves sign-in off.')
param signInClientId string = ''

var webConfig = {
  minTlsVersion: '1.2'
  scmMinTlsVersion: '1.2'
  ftpsState: 'Disabled'
  http20Enabled: true
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true // Flex Consumption runs on Linux only
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
      '${deploymentIdentityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Without this, Key Vault references would be resolved with a system-assigned identity the app doesn't have.
    keyVaultReferenceIdentity: identityId
    siteConfig: webConfig
    // Flex Consumption takes the language runtime from here, not from FUNCTIONS_WORKER_RUNTIME, which it rejects.
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: deploymentIdentityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: runtimeName
        version: runtimeVersion
      }
    }
  }
}

// The children below are chained with dependsOn because App Service answers 409 Conflict to configuration
// writes that overlap on one site.

// Deployments authenticate with Entra ID (azd, CI with federated credentials); a publishing password would
// be a long-lived secret that bypasses it.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
  dependsOn: [
    scmBasicAuth
  ]
}

// CORS needs the app's own host name, which only exists once the site does (it may carry a generated suffix).
// Browsers may then call the API only from pages the app serves itself; organizer scripts call it with a
// function key from outside a browser, where CORS does not apply.
resource web 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'web'
  properties: {
    ...webConfig
    cors: {
      allowedOrigins: [
        'https://${site.properties.defaultHostName}'
      ]
      supportCredentials: false
    }
  }
  dependsOn: [
    ftpBasicAuth
  ]
}

resource signIn 'Microsoft.Web/sites/config@2025-03-01' = if (!empty(signInClientId)) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      // Participant routes (registration, check-in, downloads, verification, the SendGrid webhook) must stay
      // open, and they share path prefixes with organizer routes, so sign-in cannot be demanded by path here.
      // Easy Auth validates any token presented, strips client-sent X-MS-CLIENT-PRINCIPAL* headers and passes
      // the caller on in X-MS-CLIENT-PRINCIPAL; the app's access gate (every route with [Requires]) refuses a
      // request without a principal or a service key (401) or outside the caller's grants (403).
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: signInClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            signInClientId
            'api://${signInClientId}'
          ]
        }
      }
    }
    login: {
      // Callers present their own bearer token each time; keeping tokens server-side would only be more state.
      tokenStore: {
        enabled: false
      }
    }
  }
  dependsOn: [
    web
  ]
}

output id string = site.id
output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output url string = 'https://${site.properties.defaultHostName}'
