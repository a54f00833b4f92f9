targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment. With the subscription and region it seeds every resource name, so environments never collide.')
param environmentName string

@minLength(1)
@description('Region for every resource. Indonesia Central by default (#23: PP 71/2019 and UU PDP — the personal data of civil servants stays in Indonesia; docs/deploy.md). It must offer Flex Consumption: az functionapp list-flexconsumption-locations -o table')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string = 'indonesiacentral'

@description('Object id of the principal running azd; azd fills it in. Gets data access to storage and permission to set vault secrets when grantDeployerAccess is on.')
param principalId string = ''

@description('Give the deploying principal data access for running and inspecting the system. Off in CI, where the pipeline identity only deploys.')
param grantDeployerAccess bool = true

@description('Overrides the resource group name, e.g. one an administrator created beforehand.')
param resourceGroupName string = ''

@secure()
@minLength(44) // base64 of 32 bytes, the least the app accepts
@description('Base64 key that signs invitation, check-in and certificate download tokens. Changing it invalidates every link already sent. Generate with: openssl rand -base64 32')
param tokenSigningKey string

@secure()
@minLength(44) // base64 of exactly 32 bytes (AES-256)
@maxLength(44)
@description('Base64 AES-256 key that wraps the email sign-in key ring (Data Protection keys in Blob storage). Changing it without keeping the old one as TrainingCycles__SignIn__KeyWrappingKeyPrevious signs everyone out. Generate with: openssl rand -base64 32')
param signInKeyWrappingKey string

@secure()
@description('SendGrid API key with Mail Send permission. Empty keeps what is in the vault.')
param sendGridApiKey string = ''

@secure()
@description('Public key of SendGrid\'s signed event webhook. Empty keeps what is in the vault; it only exists after the webhook is configured against the deployed app.')
param sendGridWebhookVerificationKey string = ''

@description('Sender address; SendGrid only sends from a verified sender or authenticated domain.')
param sendGridFromEmail string = 'pelatihan@example.org'

@description('Sender name shown to participants.')
param sendGridFromName string = 'BPSDM Provinsi Kalimantan Tengah'

@description('Application (client) id of an Entra ID app registration for organizer sign-in (Easy Auth). Empty leaves sign-in off.')
param organizerSignInClientId string = ''

@description('Comma-separated emails or user ids (aad:<object id>) who are administrators from the start (docs/security.md); they grant everyone else their roles.')
param firstAdministrators string = ''

@description('Key Vault purge protection (on by default, #23: the keys that wrap sign-in cookies and sign tokens cannot be destroyed before their retention ends). Irreversible; a throw-away environment may set false, then azd down --purge can free the vault name.')
param enableKeyVaultPurgeProtection bool = true

@description('Upper bound on function app instances.')
param maximumInstanceCount int = 100

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

var functionAppName = 'func-${resourceToken}'
var deploymentContainerName = 'app-package'
var certificatesContainerName = 'certificates'
var signInKeyContainerName = 'dataprotection-keys'

// The Durable task hub's storage is named after host.json's hubName ('TrainingCycles') and partitionCount (4);
// Infra.PrivacyHardeningTests ties the literal names below to host.json and to AppTables.All, so they cannot drift.
var appContainerNames = [
  certificatesContainerName // certificates and letters of participation (PDF)
  signInKeyContainerName // the email sign-in key ring (Data Protection)
  'nomination-letters' // assignment letters uploaded by agency coordinators (Nomination/NominationService.cs)
  'absence-evidence' // evidence files of absence requests (Attendance/AbsenceStore.cs)
  'azure-webjobs-hosts' // Functions host: singleton locks and timer state
  'azure-webjobs-secrets' // Functions host: function keys
  'trainingcycles-leases' // Durable: partition leases
  'trainingcycles-applease' // Durable: app lease (one app version drives the hub)
  'trainingcycles-largemessages' // Durable: payloads over the queue message limit
]
// Functions/Infrastructure/AppTables.cs (AppTables.All; TablePrefix is empty in Azure) and the Durable task hub's tables.
var appTableNames = [
  'Cycles'
  'Participants'
  'Attendance'
  'Certificates'
  'EmailLog'
  'AuditLog'
  'Lookups'
  'EmailEvents'
  'AccessGrants'
  'SignIn'
  'Completion'
  'ErasureRequests'
  'Ledger'
  'Biodata' // #22 biodata confirmations and correction requests
  'Evaluation' // #21 tests, attempts, ratings, follow-up answers
  'Nominations' // #19 quotas, nominees, letters, NIP claims
  'Retention' // #23 retention rounds (ids and counts only)
  'TrainingCyclesHistory' // Durable: orchestration history
  'TrainingCyclesInstances' // Durable: instance status
  'TrainingCyclesPartitions' // Durable: table partition manager (leases)
]
var appQueueNames = [
  'trainingcycles-control-00'
  'trainingcycles-control-01'
  'trainingcycles-control-02'
  'trainingcycles-control-03'
  'trainingcycles-workitems'
]

var secretNames = {
  tokenSigningKey: 'TokenSigningKey'
  signInKeyWrappingKey: 'SignInKeyWrappingKey'
  sendGridApiKey: 'SendGridApiKey'
  sendGridWebhookVerificationKey: 'SendGridWebhookVerificationKey'
}

// Versionless, so a secret set again in the vault reaches the app without a redeployment.
func keyVaultReference(vaultUri string, secretName string) string =>
  '@Microsoft.KeyVault(SecretUri=${vaultUri}secrets/${secretName})'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

// The platform's identity for the deployment package only (#23: the app's own identity cannot replace its code).
module deploymentIdentity 'modules/identity.bicep' = {
  name: 'deploymentIdentity'
  scope: rg
  params: {
    name: 'id-deploy-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    containerNames: concat([deploymentContainerName], appContainerNames)
    tableNames: appTableNames
    queueNames: appQueueNames
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsId
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    enablePurgeProtection: enableKeyVaultPurgeProtection
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsId
    secrets: {
      '${secretNames.tokenSigningKey}': tokenSigningKey
      '${secretNames.signInKeyWrappingKey}': signInKeyWrappingKey
      '${secretNames.sendGridApiKey}': sendGridApiKey
      '${secretNames.sendGridWebhookVerificationKey}': sendGridWebhookVerificationKey
    }
  }
}

var vaultUri = keyVault.outputs.uri

var appIdentity = {
  principalId: identity.outputs.principalId
  principalType: 'ServicePrincipal'
}
var deployerGranted = grantDeployerAccess && !empty(principalId)

// The app's identity gets exactly what the code uses, each role on the one container, table or queue (#23):
//  - Storage Blob Data Owner on each container, not Contributor: erasure deletes a document's previous versions
//    (deleteBlobVersion, Privacy/BlobErasure.cs), an action only Owner has among the built-in roles; on one
//    container that is no wider than Contributor on it in any other way that matters here.
//  - Storage Blob Delegator on the account: the one action (generateUserDelegationKey) that signs the short-lived
//    certificate download links; it exists at account level only and grants no data access by itself.
//  - Table and Queue Data Contributor on each table and queue (the Durable task hub's included).
// Nothing on the deployment package: the platform reads it with the deployment identity.
var appContainerGrants = map(appContainerNames, c => union(appIdentity, {
  role: 'Storage Blob Data Owner'
  target: c
  reason: 'Read, write and erase blobs (with their versions) in ${c}'
}))
var appTableGrants = map(appTableNames, t => union(appIdentity, {
  role: 'Storage Table Data Contributor'
  target: t
  reason: 'Rows of ${t}'
}))
var appQueueGrants = map(appQueueNames, q => union(appIdentity, {
  role: 'Storage Queue Data Contributor'
  target: q
  reason: 'Durable task hub messages in ${q}'
}))
var deploymentIdentityGrant = {
  role: 'Storage Blob Data Contributor'
  principalId: deploymentIdentity.outputs.principalId
  principalType: 'ServicePrincipal'
  target: deploymentContainerName
  reason: 'Flex Consumption deployment: write and read the app package'
}

// The deployer, optionally, broad data access plus the right to set secrets, so the system can be run locally
// against Azure and the secrets filled in. A person, never the app.
var storageRoles = [
  {
    role: 'Storage Blob Data Owner'
    // Owner is what Azure Functions prescribes for an identity-based AzureWebJobsStorage connection. Like
    // Contributor it includes generateUserDelegationKey, which certificate download links need: with account
    // keys off, their SAS can only be a user delegation SAS.
    reason: 'Host and Durable task hub blobs, the deployment package, certificates and download-link signing'
  }
  {
    role: 'Storage Queue Data Contributor'
    reason: 'Durable task hub control and work-item queues'
  }
  {
    role: 'Storage Table Data Contributor'
    reason: 'Durable task hub history and instances; training-cycle state'
  }
]

module access 'modules/role-assignment.bicep' = {
  name: 'access'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    storageGrants: concat(
      [
        union(appIdentity, {
          role: 'Storage Blob Delegator'
          reason: 'Sign user delegation SAS links for certificate downloads (account keys are off)'
        })
      ],
      deployerGranted
        ? map(storageRoles, r => { role: r.role, principalId: principalId, reason: 'Deployer: ${r.reason}' })
        : []
    )
    containerGrants: concat(appContainerGrants, [deploymentIdentityGrant])
    tableGrants: appTableGrants
    queueGrants: appQueueGrants
    keyVaultName: keyVault.outputs.name
    keyVaultGrants: concat(
      [
        union(appIdentity, {
          role: 'Key Vault Secrets User'
          reason: 'Resolve the app settings that are Key Vault references'
        })
      ],
      deployerGranted
        ? [
            {
              role: 'Key Vault Secrets Officer'
              principalId: principalId
              reason: 'Deployer: set the SendGrid secrets with az keyvault secret set'
            }
          ]
        : []
    )
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    applicationInsightsGrants: [
      union(appIdentity, {
        role: 'Monitoring Metrics Publisher'
        reason: 'Send telemetry; the component accepts Entra-authenticated ingestion only'
      })
    ]
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'functionApp'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    serviceName: 'api'
    identityId: identity.outputs.id
    deploymentIdentityId: deploymentIdentity.outputs.id
    deploymentContainerUrl: '${storage.outputs.blobEndpoint}${deploymentContainerName}'
    runtimeName: 'dotnet-isolated'
    runtimeVersion: '10.0'
    maximumInstanceCount: maximumInstanceCount
    signInClientId: organizerSignInClientId
  }
}

// No connection strings and no FUNCTIONS_WORKER_RUNTIME (Flex Consumption takes the runtime from the app's
// functionAppConfig and rejects the setting). SendGrid__HostOverride is deliberately absent: it only points
// mail at the local dev host's sink.
module functionAppSettings 'modules/app-settings.bicep' = {
  name: 'functionAppSettings'
  scope: rg
  params: {
    appName: functionApp.outputs.name
    settings: {
      AzureWebJobsStorage__accountName: storage.outputs.name
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identity.outputs.clientId
      APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.applicationInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
      TrainingCycles__PublicBaseUrl: functionApp.outputs.url
      TrainingCycles__TokenSigningKey: keyVaultReference(vaultUri, secretNames.tokenSigningKey)
      TrainingCycles__CertificatesContainer: certificatesContainerName
      TrainingCycles__TablePrefix: '' // the storage account serves this app alone
      TrainingCycles__SignIn__KeyWrappingKey: keyVaultReference(vaultUri, secretNames.signInKeyWrappingKey)
      TrainingCycles__SignIn__KeyContainer: signInKeyContainerName
      TrainingCycles__Access__FirstAdministrators: firstAdministrators
      SendGrid__ApiKey: keyVaultReference(vaultUri, secretNames.sendGridApiKey)
      SendGrid__FromEmail: sendGridFromEmail
      SendGrid__FromName: sendGridFromName
      SendGrid__SandboxMode: 'false'
      SendGrid__WebhookVerificationKey: keyVaultReference(vaultUri, secretNames.sendGridWebhookVerificationKey)
    }
  }
  // Identity-based connections and Key Vault references are resolved as soon as the settings land, so the
  // role assignments have to exist first.
  dependsOn: [
    access
  ]
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_URL string = functionApp.outputs.url
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output KEY_VAULT_NAME string = keyVault.outputs.name
output KEY_VAULT_URI string = keyVault.outputs.uri
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
