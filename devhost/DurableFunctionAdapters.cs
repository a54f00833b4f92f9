using System.Reflection;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace TrainingCycles.DevHost;

/// <summary>
/// Registers the app's <c>[OrchestrationTrigger]</c> and <c>[ActivityTrigger]</c> functions with a standard
/// Durable Task worker, through adapters that call the very same methods the Functions host would call.
/// </summary>
internal static class DurableFunctionAdapters
{
    public static void Register(DurableTaskRegistry registry, FunctionCatalog catalog, Func<IServiceProvider> rootServices)
    {
        foreach (var function in catalog.Functions)
        {
            switch (function.Kind)
            {
                case FunctionKind.Orchestrator:
                    registry.AddOrchestrator(function.Name, () => new OrchestratorAdapter(function, rootServices()));
                    break;
                case FunctionKind.Activity:
                    registry.AddActivity(function.Name, services => new ActivityAdapter(function, services));
                    break;
            }
        }
    }

    private static object? CreateTarget(MethodInfo method, IServiceProvider services) =>
        method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, method.DeclaringType!);

    private sealed class OrchestratorAdapter(FunctionDescriptor function, IServiceProvider services) : ITaskOrchestrator
    {
        // Like the Functions Durable extension: a parameter that is neither the context nor a token is the
        // orchestration input (the preferred style), and context.GetInput<T>() returns the same object.
        private readonly ParameterInfo? _input = function.Method.GetParameters().FirstOrDefault(p => p.ParameterType != typeof(TaskOrchestrationContext) && p.ParameterType != typeof(CancellationToken));

        public Type InputType => _input?.ParameterType ?? typeof(object);

        public Type OutputType => ParameterBinder.UnwrapTask(function.Method.ReturnType) ?? typeof(object);

        public async Task<object?> RunAsync(TaskOrchestrationContext context, object? input)
        {
            var args = function.Method.GetParameters()
                .Select(p => p.ParameterType == typeof(TaskOrchestrationContext) ? context : p == _input ? input : CancellationToken.None)
                .ToArray();
            try
            {
                var returned = function.Method.Invoke(CreateTarget(function.Method, services), BindingFlags.DoNotWrapExceptions, null, args, null);
                return await ParameterBinder.AwaitResultAsync(returned);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                context.CreateReplaySafeLogger("Function." + function.Name).LogError(e, "Orchestrator {Function} failed", function.Name);
                throw;
            }
        }
    }

    private sealed class ActivityAdapter(FunctionDescriptor function, IServiceProvider services) : ITaskActivity
    {
        private readonly ParameterInfo? _input = function.Method.GetParameters().FirstOrDefault(p => p.GetCustomAttributes().Any(a => a is Microsoft.Azure.Functions.Worker.ActivityTriggerAttribute));

        public Type InputType => _input?.ParameterType ?? typeof(object);

        public Type OutputType => ParameterBinder.UnwrapTask(function.Method.ReturnType) ?? typeof(object);

        public async Task<object?> RunAsync(TaskActivityContext context, object? input)
        {
            var args = function.Method.GetParameters()
                .Select(p => p == _input ? input : p.ParameterType == typeof(CancellationToken) ? CancellationToken.None
                    : p.ParameterType == typeof(Microsoft.DurableTask.Client.DurableTaskClient) ? services.GetRequiredService<Microsoft.DurableTask.Client.DurableTaskClient>() : null)
                .ToArray();
            try
            {
                var returned = function.Method.Invoke(CreateTarget(function.Method, services), BindingFlags.DoNotWrapExceptions, null, args, null);
                return await ParameterBinder.AwaitResultAsync(returned);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The Functions host logs failed invocations; so does the dev host (the worker retries per policy).
                services.GetRequiredService<ILoggerFactory>().CreateLogger("Function." + function.Name).LogWarning(e, "Activity {Function} failed", function.Name);
                throw;
            }
        }
    }
}
