using TrainingCycles.DevHost;
using YamlDotNet.RepresentationModel;

namespace TrainingCycles.Tests.Foundation;

/// <summary>openapi.yaml describes exactly the HTTP functions in functions.metadata, with the right security.</summary>
public sealed class OpenApiTests
{
    private static readonly string[] Verbs = ["get", "post", "put", "delete", "patch"];

    [Fact]
    public void OpenApiMatchesFunctionsMetadata()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(RepoPaths.FindRoot(), "openapi.yaml"))));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var paths = (YamlMappingNode)root.Children[new YamlScalarNode("paths")];
        var documented = new Dictionary<(string Path, string Method), bool>();
        foreach (var (pathNode, itemNode) in paths.Children)
        {
            foreach (var (methodNode, operation) in ((YamlMappingNode)itemNode).Children)
            {
                var method = ((YamlScalarNode)methodNode).Value!;
                if (!Verbs.Contains(method))
                {
                    continue;
                }

                var secured = ((YamlMappingNode)operation).Children.TryGetValue(new YamlScalarNode("security"), out var security) && security is YamlSequenceNode { Children.Count: > 0 };
                documented[(((YamlScalarNode)pathNode).Value!, method)] = secured;
            }
        }

        var declared = new Dictionary<(string Path, string Method), bool>();
        foreach (var function in FunctionCatalog.Load().Functions.Where(f => f.Kind == FunctionKind.Http))
        {
            foreach (var method in function.HttpMethods)
            {
                // Secured = the route declares what it needs ([Requires], enforced by the app's access gate).
                declared[("/api/" + function.Route, method.ToLowerInvariant())] = TrainingCycles.Identity.AccessGate.RequirementOf(function.Method) is not null;
            }
        }

        var missing = declared.Keys.Except(documented.Keys).Select(k => $"{k.Method.ToUpperInvariant()} {k.Path}").ToList();
        var stale = documented.Keys.Except(declared.Keys).Select(k => $"{k.Method.ToUpperInvariant()} {k.Path}").ToList();
        var wrongSecurity = declared.Where(d => documented.TryGetValue(d.Key, out var s) && s != d.Value).Select(d => $"{d.Key.Method.ToUpperInvariant()} {d.Key.Path} (sign-in required: {d.Value})").ToList();
        Assert.True(missing.Count == 0, "Not in openapi.yaml: " + string.Join(", ", missing));
        Assert.True(stale.Count == 0, "In openapi.yaml but not a function: " + string.Join(", ", stale));
        Assert.True(wrongSecurity.Count == 0, "Security differs: " + string.Join(", ", wrongSecurity));
    }
}
