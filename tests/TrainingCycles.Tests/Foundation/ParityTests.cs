using System.Net;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Foundation;

/// <summary>The dev host hosts exactly what functions.metadata (the file Azure reads) declares.</summary>
public sealed class ParityTests
{
    private static readonly string[] AllMethods = ["GET", "POST", "PUT", "DELETE", "PATCH"];

    [Fact]
    public async Task EveryFunctionInTheMetadataIsServedOrRegistered()
    {
        var declared = FunctionCatalog.ReadMetadata(FunctionCatalog.DefaultPath);
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);

        Assert.NotEmpty(declared);
        var hosted = world.Host.Catalog.Functions.Select(f => f.Name).ToHashSet();
        Assert.All(declared, f => Assert.Contains(f.Name, hosted));

        var routes = world.Host.RouteTable;
        foreach (var function in world.Host.Catalog.Functions.Where(f => f.Kind == FunctionKind.Http))
        {
            Assert.Contains("/api/" + function.Route, routes);
        }

        var registered = world.Host.RegisteredDurableFunctions;
        foreach (var function in world.Host.Catalog.Functions.Where(f => f.Kind != FunctionKind.Http))
        {
            Assert.Contains(function.Name, registered);
        }
    }

    [Fact]
    public async Task EachHttpFunctionAnswersOnItsRouteAndMethodsOnly()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);

        foreach (var function in world.Host.Catalog.Functions.Where(f => f.Kind == FunctionKind.Http))
        {
            var path = "api/" + SampleRoute(function.Route);
            foreach (var method in AllMethods)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                request.Headers.Add("x-functions-key", world.Host.FunctionKey);
                if (method is "POST" or "PUT" or "PATCH")
                {
                    request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
                }

                using var response = await world.Http.SendAsync(request);
                if (function.HttpMethods.Contains(method))
                {
                    Assert.True(response.StatusCode is not HttpStatusCode.MethodNotAllowed and not HttpStatusCode.InternalServerError,
                        $"{method} /{path} ({function.Name}) answered {(int)response.StatusCode}");
                }
                else if (!world.Host.Catalog.Functions.Any(other => other != function && other.Route == function.Route && other.HttpMethods.Contains(method)))
                {
                    Assert.True(response.StatusCode == HttpStatusCode.MethodNotAllowed,
                        $"{method} /{path} ({function.Name}) should be 405 but answered {(int)response.StatusCode}");
                }
            }
        }
    }

    [Fact]
    public void RefusesToStartOnAnUnsupportedBindingAndNamesIt()
    {
        var metadata = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".metadata");
        var original = File.ReadAllText(FunctionCatalog.DefaultPath);
        var withQueue = original.Replace("\"type\": \"activityTrigger\"", "\"type\": \"queueTrigger\"", StringComparison.Ordinal);
        Assert.NotEqual(original, withQueue);
        File.WriteAllText(metadata, withQueue);
        try
        {
            var error = Assert.Throws<UnsupportedFunctionException>(() => FunctionCatalog.Load(metadata));

            Assert.Contains("HealthProbeActivity", error.Message, StringComparison.Ordinal);
            Assert.Contains("queueTrigger", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(metadata);
        }
    }

    private static string SampleRoute(string route) =>
        string.Join('/', route.Split('/').Select(segment => segment.StartsWith('{') ? "sample1" : segment));
}
