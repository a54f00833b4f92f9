using System.Net;
using System.Security.Cryptography;
using System.Xml.Linq;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;
using TrainingCycles.DevHost;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Identity;

/// <summary>
/// Any instance reads any cookie: two dev host processes on one Azurite (one set of tables, one key container, one
/// task hub), the way Azure runs N instances on one storage account. A cookie made by A works on B and back; the key
/// ring A created is the one B uses (read, not recreated or overwritten); a link is single-use across instances; a
/// sign-out on one instance ends the session on the other.
/// </summary>
public sealed class SignInAcrossInstancesTests
{
    [Fact]
    public async Task ACookieFromOneInstanceWorksOnAnotherWhichReadsTheSameWrappedKeyRing()
    {
        await using var sink = await TestWorld.StartAsync(DurableBackend.InMemory); // only its mail sink is used
        var storage = await SharedAzurite.ConnectionStringAsync();
        var id = "si" + Guid.NewGuid().ToString("N")[..10];
        var container = new BlobServiceClient(storage).GetBlobContainerClient("keys-" + id);
        Dictionary<string, string> Environment(int port) => new()
        {
            ["AzureWebJobsStorage"] = storage,
            ["TrainingCycles__TablePrefix"] = id,
            ["TrainingCycles__CertificatesContainer"] = "certs-" + id,
            ["TrainingCycles__SignIn__KeyContainer"] = "keys-" + id,
            ["TrainingCycles__PublicBaseUrl"] = $"http://localhost:{port}",
            ["TrainingCycles__Access__FirstAdministrators"] = SignIn.Admin + "," + SignIn.SecondAdmin,
            ["SendGrid__HostOverride"] = sink.Host.BaseUrl,
        };

        var portA = Azurite.FreePort();
        await using var a = await DevHostProcess.StartAsync(portA, "hub" + id, Environment(portA));
        using var clientA = SignIn.Client(a.BaseUrl);
        var cookieFromA = await SignIn.SignInAsync(clientA, sink.Host.Outbox, SignIn.Admin);
        var ringAfterA = await KeyBlobsAsync(container);
        var key = Assert.Single(ringAfterA);

        var portB = Azurite.FreePort();
        await using var b = await DevHostProcess.StartAsync(portB, "hub" + id, Environment(portB));
        using var clientB = SignIn.Client(b.BaseUrl);

        // A's cookie on B, B's cookie on A.
        Assert.Equal(HttpStatusCode.OK, (await SignIn.SessionAsync(clientB, cookieFromA)).StatusCode);
        var cookieFromB = await SignIn.SignInAsync(clientB, sink.Host.Outbox, SignIn.SecondAdmin);
        Assert.Equal(HttpStatusCode.OK, (await SignIn.SessionAsync(clientA, cookieFromB)).StatusCode);

        // A link A mailed is redeemed on B, and is then used up on A as well.
        await SignIn.RequestLinkAsync(clientA, SignIn.Admin);
        var token = SignIn.TokenOf(await SignIn.WaitForLinkAsync(sink.Host.Outbox, SignIn.Admin, count: 2));
        Assert.Equal(HttpStatusCode.SeeOther, (await SignIn.RedeemAsync(clientB, token)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await SignIn.RedeemAsync(clientA, token)).StatusCode);

        // Signing out on B ends the session A issued, on A too.
        var signOut = new HttpRequestMessage(HttpMethod.Post, "api/signout");
        signOut.Headers.Add("Cookie", cookieFromA);
        signOut.Headers.Add("Origin", b.BaseUrl);
        Assert.Equal(HttpStatusCode.SeeOther, (await clientB.SendAsync(signOut)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignIn.SessionAsync(clientA, cookieFromA)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignIn.SessionAsync(clientA, cookieFromB)).StatusCode);

        // One key, created by A, unchanged: B read it and neither created nor rewrote one. At rest it is wrapped.
        var ringAfterB = await KeyBlobsAsync(container);
        Assert.Equal([(key.Name, key.ETag)], ringAfterB.Select(k => (k.Name, k.ETag)));
        var xml = (await container.GetBlobClient(key.Name).DownloadContentAsync()).Value.Content.ToString();
        Assert.Contains("wrappedKey", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("masterKey", xml, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrappedKeyOpensWithItsWrappingKeyOrAfterRotationWithThePreviousOneAndNeverWithAnother()
    {
        var oldKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var newKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var element = new XElement("key", new XElement("masterKey", "c2VjcmV0"));
        var wrapped = new KeyRingEncryptor(Keys(oldKey)).Encrypt(element);

        Assert.Equal(typeof(KeyRingDecryptor), wrapped.DecryptorType);
        Assert.DoesNotContain("c2VjcmV0", wrapped.EncryptedElement.ToString(), StringComparison.Ordinal);
        Assert.Equal(element.ToString(), Decryptor(Keys(oldKey)).Decrypt(wrapped.EncryptedElement).ToString());
        Assert.Equal(element.ToString(), Decryptor(Keys(newKey, previous: oldKey)).Decrypt(wrapped.EncryptedElement).ToString());
        Assert.Throws<CryptographicException>(() => Decryptor(Keys(newKey)).Decrypt(wrapped.EncryptedElement));

        var tampered = new XElement(wrapped.EncryptedElement);
        var bytes = Convert.FromBase64String(tampered.Value);
        bytes[0] ^= 1;
        tampered.Value = Convert.ToBase64String(bytes);
        Assert.ThrowsAny<CryptographicException>(() => Decryptor(Keys(oldKey)).Decrypt(tampered));
    }

    private static KeyWrappingKeys Keys(string current, string? previous = null) =>
        new(Options.Create(new EmailSignInOptions { KeyWrappingKey = current, KeyWrappingKeyPrevious = previous }),
            Options.Create(new TrainingCyclesOptions { TokenSigningKey = Convert.ToBase64String(new byte[32]) }));

    private static KeyRingDecryptor Decryptor(KeyWrappingKeys keys) =>
        new(new ServiceCollection().AddSingleton(keys).BuildServiceProvider());

    private static async Task<List<(string Name, Azure.ETag ETag)>> KeyBlobsAsync(BlobContainerClient container)
    {
        var result = new List<(string, Azure.ETag)>();
        await foreach (var blob in container.GetBlobsAsync())
        {
            result.Add((blob.Name, blob.Properties.ETag!.Value));
        }

        return result;
    }
}
