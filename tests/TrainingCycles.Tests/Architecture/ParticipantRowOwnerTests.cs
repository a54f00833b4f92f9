using System.Reflection;
using TrainingCycles.Cycles;

namespace TrainingCycles.Tests.Architecture;

/// <summary>
/// The participants table (participant rows, their NIP/email index rows, the cycle's counters row) has one owner:
/// <see cref="ParticipantStore"/> and the transaction it hands out (<see cref="ParticipantTransaction"/>). Read from
/// the compiled function app, like <see cref="DependencyDirectionTests"/>: no other type may name the table
/// (<c>AppTables.Participants</c> is a constant, so every use is the string in the IL), query or write its entity
/// types through <c>Azure.Data.Tables</c>, or create or change a row object (constructor or property setter), so a
/// new write path cannot bypass the store's ETags, transactions and counters (docs/architecture.md).
/// </summary>
public sealed class ParticipantRowOwnerTests
{
    private static readonly Type[] Owners = [typeof(ParticipantStore), typeof(ParticipantTransaction)];

    private static readonly Type[] Rows = [typeof(ParticipantEntity), typeof(IndexEntity), typeof(CountersEntity)];

    [Fact]
    public void OnlyTheParticipantStoreTouchesTheParticipantsTableOrChangesItsRows()
    {
        var outside = Uses().Where(u => !Owners.Contains(u.Owner)).Select(u => $"{u.Owner.FullName}.{u.Method}: {u.What}").Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.True(outside.Count == 0,
            "Only ParticipantStore (with its ParticipantTransaction) may read or write the participants table and create or change its rows; "
            + "add an intention-revealing method to the store instead:" + Environment.NewLine + string.Join(Environment.NewLine, outside));
    }

    [Fact]
    public void TheRuleSeesTheStoresOwnTableAccessAndRowWrites()
    {
        // Guards the test above against passing vacuously (a compiler change, a renamed table): the same scan must
        // find each kind of use in the owner itself.
        var inOwner = Uses().Where(u => Owners.Contains(u.Owner)).Select(u => u.Kind).ToHashSet();

        Assert.Equal([UseKind.TableName, UseKind.TableCall, UseKind.NewRow, UseKind.SetRow], inOwner.Order());
    }

    private enum UseKind
    {
        TableName,
        TableCall,
        NewRow,
        SetRow,
    }

    private sealed record Use(Type Owner, string Method, UseKind Kind, string What);

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static List<Use> Uses()
    {
        var assembly = typeof(ParticipantStore).Assembly;
        var uses = new List<Use>();
        foreach (var type in assembly.GetTypes())
        {
            var owner = Outermost(type);
            if (Rows.Contains(owner) || owner == typeof(TrainingCycles.Infrastructure.AppTables))
            {
                continue; // the row classes themselves, and the list of the app's tables
            }

            foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
            {
                if (method.GetMethodBody()?.GetILAsByteArray() is not { } il)
                {
                    continue;
                }

                foreach (var operand in Il.Operands(method, il))
                {
                    if (Classify(operand) is { } found)
                    {
                        uses.Add(new Use(owner, SourceMethod(type, method), found.Kind, found.What));
                    }
                }
            }
        }

        return uses;
    }

    private static (UseKind Kind, string What)? Classify(object operand)
    {
        switch (operand)
        {
            case string s when s == TrainingCycles.Infrastructure.AppTables.Participants:
                return (UseKind.TableName, "names the participants table");
            case ConstructorInfo c when Rows.Contains(c.DeclaringType):
                return (UseKind.NewRow, "creates a " + c.DeclaringType!.Name);
            case MethodInfo m when Rows.Contains(m.DeclaringType) && m.Name.StartsWith("set_", StringComparison.Ordinal):
                return (UseKind.SetRow, $"sets {m.DeclaringType!.Name}.{m.Name[4..]}");
            case MethodInfo m when m.DeclaringType?.Namespace == "Azure.Data.Tables"
                                   && (m.IsGenericMethod ? m.GetGenericArguments() : []).Concat(m.DeclaringType.GetGenericArguments()).Any(a => Rows.Contains(a)):
                return (UseKind.TableCall, $"calls {m.DeclaringType.Name}.{m.Name}<{string.Join(", ", m.GetGenericArguments().Select(a => a.Name))}>");
            default:
                return null;
        }
    }

    /// <summary>The method as written: a lambda (<c>&lt;Receive&gt;b__0</c>) or an async state machine (<c>&lt;Receive&gt;d__5.MoveNext</c>) names its outer method.</summary>
    private static string SourceMethod(Type type, MethodBase method)
    {
        if (method.Name.StartsWith('<') && method.Name.IndexOf('>') > 1)
        {
            return method.Name[1..method.Name.IndexOf('>')];
        }

        return type.Name.StartsWith('<') && type.Name.IndexOf('>') > 1 ? type.Name[1..type.Name.IndexOf('>')] : method.Name;
    }

    private static Type Outermost(Type type)
    {
        while (type.IsNested)
        {
            type = type.DeclaringType!;
        }

        return type;
    }
}
