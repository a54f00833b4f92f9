using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace TrainingCycles.DevHost;

/// <summary>Binds method parameters the way the Worker SDK does for the bindings we support.</summary>
internal static class ParameterBinder
{
    private static readonly HashSet<Type> RouteValueTypes = [typeof(string), typeof(int), typeof(long), typeof(Guid), typeof(bool)];

    public static bool CanBind(FunctionDescriptor function, ParameterInfo parameter)
    {
        var type = parameter.ParameterType;
        if (type == typeof(CancellationToken))
        {
            return true;
        }

        if (parameter.GetCustomAttribute<DurableClientAttribute>() is not null)
        {
            return type == typeof(DurableTaskClient);
        }

        return function.Kind switch
        {
            FunctionKind.Http => type == typeof(HttpRequest) || (RouteValueTypes.Contains(type) && RouteHasParameter(function.Route, parameter.Name!)),
            FunctionKind.Orchestrator => type == typeof(TaskOrchestrationContext) || IsOrchestrationInput(function, parameter),
            FunctionKind.Activity => parameter.GetCustomAttribute<ActivityTriggerAttribute>() is not null,
            _ => false,
        };
    }

    /// <summary>The one parameter besides the context is the orchestration input (Functions' preferred style).</summary>
    private static bool IsOrchestrationInput(FunctionDescriptor function, ParameterInfo parameter) =>
        function.Method.GetParameters().Where(p => p.ParameterType != typeof(TaskOrchestrationContext) && p.ParameterType != typeof(CancellationToken)).Count() == 1;

    public static bool RouteHasParameter(string route, string name) =>
        route.Split('/').Any(segment =>
            segment.StartsWith('{') && segment.EndsWith('}') &&
            string.Equals(segment.Trim('{', '}', '*').Split(':', '=')[0].TrimEnd('?'), name, StringComparison.OrdinalIgnoreCase));

    public static Type? UnwrapTask(Type returnType)
    {
        if (returnType == typeof(void) || returnType == typeof(Task) || returnType == typeof(ValueTask))
        {
            return null;
        }

        if (returnType.IsGenericType && (returnType.GetGenericTypeDefinition() == typeof(Task<>) || returnType.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            return returnType.GetGenericArguments()[0];
        }

        return returnType;
    }

    /// <summary>Awaits whatever the method returned and gives back its result.</summary>
    public static async Task<object?> AwaitResultAsync(object? returned)
    {
        switch (returned)
        {
            case Task task:
                await task;
                var type = task.GetType();
                return type.IsGenericType ? type.GetProperty(nameof(Task<object>.Result))!.GetValue(task) : null;
            case ValueTask valueTask:
                await valueTask;
                return null;
            default:
                if (returned is not null && returned.GetType().IsGenericType && returned.GetType().GetGenericTypeDefinition() == typeof(ValueTask<>))
                {
                    var asTask = (Task)returned.GetType().GetMethod(nameof(ValueTask<object>.AsTask))!.Invoke(returned, null)!;
                    return await AwaitResultAsync(asTask);
                }

                return returned;
        }
    }

    /// <summary>Route values are strings; converts to the parameter's type or reports failure (→ 400/404).</summary>
    public static bool TryConvertRouteValue(object? value, Type type, out object? converted)
    {
        var text = Convert.ToString(value, CultureInfo.InvariantCulture);
        converted = null;
        if (type == typeof(string))
        {
            converted = text;
            return text is not null;
        }

        if (type == typeof(int) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
        {
            converted = i;
            return true;
        }

        if (type == typeof(long) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
        {
            converted = l;
            return true;
        }

        if (type == typeof(Guid) && Guid.TryParse(text, out var g))
        {
            converted = g;
            return true;
        }

        if (type == typeof(bool) && bool.TryParse(text, out var b))
        {
            converted = b;
            return true;
        }

        return false;
    }
}
