using System.Reflection;
using System.Text.RegularExpressions;
using TrainingCycles.DevHost;

namespace TrainingCycles.Tests.Architecture;

/// <summary>
/// The capability folders of functions/ depend on each other in one direction only (docs/architecture.md): a type
/// may use types of its own folder or of a lower layer. Read from the compiled assembly (signatures, base types,
/// attributes and every type, method and field token in the IL, lambdas and async state machines included), so
/// a partly qualified name or a `var` cannot hide a dependency. The dependencies that already point the wrong
/// way are listed below, each with its reason; the list can only shrink.
/// </summary>
public sealed partial class DependencyDirectionTests
{
    /// <summary>Layers, lowest first. A folder may depend only on folders of a lower layer.</summary>
    public static readonly IReadOnlyList<string[]> Layers =
    [
        ["Infrastructure"],
        ["Identity"],
        ["Cycles"],
        ["Reminders"],
        ["Registration", "Attendance", "Evaluation"],
        ["Nomination"], // #19: approved nominees are registered through Registration
        ["Certificates"],
        ["Records"],
        ["Privacy"],
        ["Dashboard", "Health"],
    ];

    /// <summary>Backwards dependencies that exist today, type to type, each with why it is there. Remove an entry
    /// when its dependency goes; the test fails when an entry no longer exists.</summary>
    private static readonly Dictionary<string, string> Allowed = new(StringComparer.Ordinal)
    {
        ["Infrastructure.Formatting -> Cycles.CycleSchedule"] = "date formatting converts with the cycle's time zone helper (CycleSchedule.ToLocal); the helper belongs in Infrastructure",
        ["Infrastructure.Formatting -> Cycles.ScheduledSession"] = "Formatting.DateRange formats a cycle's sessions; belongs in Cycles",
        ["Attendance.CompletionFollowUp -> Certificates.CertificateFollowUpOrchestration"] = "a correction after completion starts the certificate follow-up orchestration (the work itself now runs in the workflow); to invert, raise an event the Certificates layer handles",
        ["Cycles.CycleOrchestration -> Certificates.CertificateFanOut"] = "#24: the certificate phase's bounded fan-out runs inline in the cycle orchestration (a sub-orchestration called by name would invert it)",
        ["Evaluation.RatingFunctions -> Certificates.CertificateFollowUpOrchestration"] = "as Attendance.CompletionFollowUp: the final evaluation a gated certificate waited for starts the follow-up (#21)",
    };

    [Fact]
    public void NoFolderDependsOnAHigherOrPeerLayerExceptTheListedOnes()
    {
        var found = BackwardsDependencies();

        var added = found.Where(d => !Allowed.ContainsKey(d)).ToList();
        var gone = Allowed.Keys.Where(d => !found.Contains(d)).ToList();

        Assert.True(added.Count == 0,
            "New dependencies against the layer order of docs/architecture.md (move the code down, or invert the dependency):"
            + Environment.NewLine + string.Join(Environment.NewLine, added));
        Assert.True(gone.Count == 0,
            "These allowed backwards dependencies no longer exist; remove them from the list (and from docs/architecture.md):"
            + Environment.NewLine + string.Join(Environment.NewLine, gone));
    }

    [Fact]
    public void EveryCapabilityFolderIsALayerAndEveryFileIsInItsFoldersNamespace()
    {
        var functions = Path.Combine(RepoPaths.FindRoot(), "functions");
        var folders = Directory.GetDirectories(functions).Select(d => Path.GetFileName(d)!).Where(f => f is not ("bin" or "obj")).Order().ToList();
        Assert.Equal(Layers.SelectMany(l => l).Order().ToList(), folders);

        var misplaced = new List<string>();
        foreach (var folder in folders)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(functions, folder), "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(functions, Path.GetDirectoryName(file)!).Replace(Path.DirectorySeparatorChar, '.');
                var declared = NamespaceLine().Match(File.ReadAllText(file));
                if (!declared.Success || declared.Groups[1].Value != "TrainingCycles." + relative)
                {
                    misplaced.Add($"{Path.GetRelativePath(functions, file)}: {(declared.Success ? declared.Groups[1].Value : "no namespace")}");
                }
            }
        }

        Assert.True(misplaced.Count == 0, "Files whose namespace is not their folder's:" + Environment.NewLine + string.Join(Environment.NewLine, misplaced));
    }

    /// <summary>"From.Type -> To.Type" for every type-to-type dependency that points to a peer or higher layer.</summary>
    internal static HashSet<string> BackwardsDependencies()
    {
        var layerOf = Layers.SelectMany((folders, i) => folders.Select(f => (f, i))).ToDictionary(x => x.f, x => x.i, StringComparer.Ordinal);
        var assembly = typeof(TrainingCycles.Cycles.CycleStore).Assembly;
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            var owner = Outermost(type);
            if (Folder(owner) is not { } from)
            {
                continue;
            }

            foreach (var used in UsedTypes(type).Select(Outermost).Where(t => t.Assembly == assembly))
            {
                if (Folder(used) is { } to && to != from && layerOf[to] >= layerOf[from])
                {
                    result.Add($"{Name(owner)} -> {Name(used)}");
                }
            }
        }

        return result;
    }

    private static string Name(Type type) => type.FullName!["TrainingCycles.".Length..];

    private static string? Folder(Type type) =>
        type.Namespace is { } ns && ns.StartsWith("TrainingCycles.", StringComparison.Ordinal) ? ns.Split('.')[1] : null;

    private static Type Outermost(Type type)
    {
        while (type.IsNested)
        {
            type = type.DeclaringType!;
        }

        return type.IsGenericType ? type.GetGenericTypeDefinition() : type;
    }

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static IEnumerable<Type> UsedTypes(Type type)
    {
        var used = new List<Type>();
        void Add(Type? t)
        {
            if (t is null)
            {
                return;
            }

            if (t.HasElementType)
            {
                Add(t.GetElementType());
                return;
            }

            if (t.IsGenericParameter)
            {
                return;
            }

            used.Add(t);
            if (t.IsGenericType && !t.IsGenericTypeDefinition)
            {
                foreach (var argument in t.GetGenericArguments())
                {
                    Add(argument);
                }
            }
        }

        void AddAttributes(IEnumerable<CustomAttributeData> attributes)
        {
            foreach (var attribute in attributes)
            {
                Add(attribute.AttributeType);
                foreach (var argument in attribute.ConstructorArguments.Concat(attribute.NamedArguments.Select(n => n.TypedValue)))
                {
                    Add(argument.ArgumentType);
                    Add(argument.Value as Type);
                }
            }
        }

        Add(type.BaseType);
        foreach (var implemented in type.GetInterfaces())
        {
            Add(implemented);
        }

        AddAttributes(type.CustomAttributes);
        foreach (var field in type.GetFields(Declared))
        {
            Add(field.FieldType);
            AddAttributes(field.CustomAttributes);
        }

        foreach (var property in type.GetProperties(Declared))
        {
            Add(property.PropertyType);
            AddAttributes(property.CustomAttributes);
        }

        foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            if (method is MethodInfo info)
            {
                Add(info.ReturnType);
            }

            AddAttributes(method.CustomAttributes);
            foreach (var parameter in method.GetParameters())
            {
                Add(parameter.ParameterType);
                AddAttributes(parameter.CustomAttributes);
            }

            var body = method.GetMethodBody();
            if (body is null)
            {
                continue;
            }

            foreach (var local in body.LocalVariables)
            {
                Add(local.LocalType);
            }

            foreach (var member in Il.Operands(method, body.GetILAsByteArray() ?? []))
            {
                switch (member)
                {
                    case Type t:
                        Add(t);
                        break;
                    case MethodBase m:
                        Add(m.DeclaringType);
                        if (m is MethodInfo { IsGenericMethod: true } generic)
                        {
                            foreach (var argument in generic.GetGenericArguments())
                            {
                                Add(argument);
                            }
                        }

                        break;
                    case FieldInfo f:
                        Add(f.DeclaringType);
                        Add(f.FieldType);
                        break;
                }
            }
        }

        return used;
    }

    [GeneratedRegex(@"^\s*namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();
}
