using System.Collections.Immutable;
using Microsoft.Azure.Functions.Worker;
using TrainingCycles.DevHost;
using TrainingCycles.Identity;

namespace TrainingCycles.Tests.Identity;

/// <summary>The Functions host's side of the gate finds the same method (and so the same requirement) for every HTTP
/// function as the dev host does from functions.metadata.</summary>
public sealed class GateMiddlewareTests
{
    private sealed class Definition(string name, string entryPoint) : FunctionDefinition
    {
        public override ImmutableArray<FunctionParameter> Parameters => [];

        public override string PathToAssembly => typeof(AccessGate).Assembly.Location;

        public override string EntryPoint => entryPoint;

        public override string Id => name;

        public override string Name => name;

        public override IImmutableDictionary<string, Microsoft.Azure.Functions.Worker.BindingMetadata> InputBindings => ImmutableDictionary<string, Microsoft.Azure.Functions.Worker.BindingMetadata>.Empty;

        public override IImmutableDictionary<string, Microsoft.Azure.Functions.Worker.BindingMetadata> OutputBindings => ImmutableDictionary<string, Microsoft.Azure.Functions.Worker.BindingMetadata>.Empty;
    }

    [Fact]
    public void TheMiddlewareResolvesEveryHttpFunctionToTheMethodTheDevHostCalls()
    {
        var http = FunctionCatalog.Load().Functions.Where(f => f.Kind == FunctionKind.Http).ToList();
        foreach (var function in http)
        {
            var method = AccessGateMiddleware.MethodOf(new Definition(function.Name, function.Metadata.EntryPoint));
            Assert.Equal(function.Method, method);
            Assert.Equal(AccessGate.RequirementOf(function.Method)?.Permission, method is null ? null : AccessGate.RequirementOf(method)?.Permission);
        }

        Assert.Contains(http, f => AccessGate.RequirementOf(f.Method) is not null);
    }
}
