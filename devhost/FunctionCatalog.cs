using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Azure.Functions.Worker;

namespace TrainingCycles.DevHost;

public enum FunctionKind
{
    Http,
    Orchestrator,
    Activity,
}

public sealed record BindingMetadata(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("direction")] string? Direction,
    [property: JsonPropertyName("authLevel")] string? AuthLevel,
    [property: JsonPropertyName("methods")] IReadOnlyList<string>? Methods,
    [property: JsonPropertyName("route")] string? Route);

public sealed record FunctionMetadata(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("scriptFile")] string ScriptFile,
    [property: JsonPropertyName("entryPoint")] string EntryPoint,
    [property: JsonPropertyName("bindings")] IReadOnlyList<BindingMetadata> Bindings);

/// <summary>One function from functions.metadata, resolved to the method the Worker SDK would call.</summary>
public sealed record FunctionDescriptor(FunctionMetadata Metadata, MethodInfo Method, FunctionKind Kind)
{
    public string Name => Metadata.Name;

    public BindingMetadata Trigger => Metadata.Bindings.First(b => b.Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase));

    /// <summary>Route as Azure serves it (without the route prefix); the function name when no route is set.</summary>
    public string Route => Trigger.Route ?? Name;

    public IReadOnlyList<string> HttpMethods => Trigger.Methods is { Count: > 0 } m ? [.. m.Select(x => x.ToUpperInvariant())] : ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

    public bool IsAnonymous => string.Equals(Trigger.AuthLevel, "anonymous", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The functions.metadata file the Worker SDK writes (and Azure reads), resolved against the app's assembly.</summary>
public sealed class FunctionCatalog
{
    private static readonly HashSet<string> SupportedBindings = new(StringComparer.OrdinalIgnoreCase)
    {
        "httpTrigger", "http", "durableClient", "orchestrationTrigger", "activityTrigger",
    };

    private FunctionCatalog(IReadOnlyList<FunctionDescriptor> functions) => Functions = functions;

    public IReadOnlyList<FunctionDescriptor> Functions { get; }

    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "functions.metadata");

    public static IReadOnlyList<FunctionMetadata> ReadMetadata(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} not found: build the function app (the Worker SDK generates it).");
        }

        return JsonSerializer.Deserialize<List<FunctionMetadata>>(File.ReadAllText(path)) ?? [];
    }

    /// <summary>Loads and checks every function; refuses (throws) on anything the dev host cannot host faithfully.</summary>
    public static FunctionCatalog Load(string? path = null)
    {
        var metadata = ReadMetadata(path ?? DefaultPath);
        var problems = new List<string>();
        var functions = new List<FunctionDescriptor>();
        foreach (var function in metadata)
        {
            var unsupported = function.Bindings.Where(b => !SupportedBindings.Contains(b.Type)).ToList();
            if (unsupported.Count > 0)
            {
                problems.AddRange(unsupported.Select(b => $"function '{function.Name}' uses binding '{b.Name}' of type '{b.Type}', which the dev host does not support"));
                continue;
            }

            var method = ResolveMethod(function, problems);
            if (method is null)
            {
                continue;
            }

            var trigger = function.Bindings.FirstOrDefault(b => b.Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase));
            FunctionKind? kind = trigger?.Type.ToLowerInvariant() switch
            {
                "httptrigger" => FunctionKind.Http,
                "orchestrationtrigger" => FunctionKind.Orchestrator,
                "activitytrigger" => FunctionKind.Activity,
                _ => null,
            };
            if (kind is null)
            {
                problems.Add($"function '{function.Name}' has no trigger the dev host supports");
                continue;
            }

            var descriptor = new FunctionDescriptor(function, method, kind.Value);
            CheckSignature(descriptor, problems);
            functions.Add(descriptor);
        }

        if (problems.Count > 0)
        {
            throw new UnsupportedFunctionException("The dev host refuses to start rather than silently skip functions:" + Environment.NewLine + "  - " + string.Join(Environment.NewLine + "  - ", problems));
        }

        return new FunctionCatalog(functions);
    }

    private static MethodInfo? ResolveMethod(FunctionMetadata function, List<string> problems)
    {
        var lastDot = function.EntryPoint.LastIndexOf('.');
        var assemblyName = Path.GetFileNameWithoutExtension(function.ScriptFile);
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(assemblyName);
        }
        catch (FileNotFoundException)
        {
            problems.Add($"function '{function.Name}': assembly '{assemblyName}' not found");
            return null;
        }

        var type = lastDot > 0 ? assembly.GetType(function.EntryPoint[..lastDot]) : null;
        var methodName = function.EntryPoint[(lastDot + 1)..];
        var method = type?.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .SingleOrDefault(m => m.Name == methodName && m.GetCustomAttribute<FunctionAttribute>()?.Name == function.Name);
        if (method is null)
        {
            problems.Add($"function '{function.Name}': entry point '{function.EntryPoint}' not found");
        }

        return method;
    }

    private static void CheckSignature(FunctionDescriptor function, List<string> problems)
    {
        foreach (var parameter in function.Method.GetParameters())
        {
            if (!ParameterBinder.CanBind(function, parameter))
            {
                problems.Add($"function '{function.Name}': parameter '{parameter.Name}' of type {parameter.ParameterType.Name} cannot be bound by the dev host");
            }
        }

        var returnType = ParameterBinder.UnwrapTask(function.Method.ReturnType);
        if (function.Kind == FunctionKind.Http && returnType is not null && !typeof(Microsoft.AspNetCore.Mvc.IActionResult).IsAssignableFrom(returnType))
        {
            problems.Add($"function '{function.Name}': HTTP functions must return IActionResult (or Task<IActionResult>), not {function.Method.ReturnType.Name}");
        }
    }
}

public sealed class UnsupportedFunctionException(string message) : Exception(message);
