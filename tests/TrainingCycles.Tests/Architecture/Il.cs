using System.Reflection;
using System.Reflection.Emit;

namespace TrainingCycles.Tests.Architecture;

/// <summary>Reads a method body's IL for the operands the architecture tests look at (no Roslyn, no IL library).</summary>
internal static class Il
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The types, methods and fields the IL names by token, and the strings it loads (<c>ldstr</c>), in order.</summary>
    public static IEnumerable<object> Operands(MethodBase method, byte[] il)
    {
        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var operands = new List<object>();
        for (var i = 0; i < il.Length;)
        {
            short value = il[i++];
            if (value == 0xFE)
            {
                value = unchecked((short)(0xFE00 | il[i++]));
            }

            var opCode = OpCodesByValue[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, i);
                    if (method.Module.ResolveMember(token, typeArguments, methodArguments) is { } member)
                    {
                        operands.Add(member);
                    }

                    i += 4;
                    break;
                case OperandType.InlineString:
                    operands.Add(method.Module.ResolveString(BitConverter.ToInt32(il, i)));
                    i += 4;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + (4 * BitConverter.ToInt32(il, i));
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                default:
                    i += 4;
                    break;
            }
        }

        return operands;
    }
}
