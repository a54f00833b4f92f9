using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TrainingCycles.Infrastructure;

namespace TrainingCycles;

public static class TrainingCyclesServiceCollectionExtensions
{
    /// <summary>
    /// The one composition root: the Functions host (<c>Program.cs</c>) and the dev host both call this, so the
    /// services the functions get are the same wherever they run.
    /// </summary>
    public static IServiceCollection AddTrainingCycles(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TrainingCyclesOptions>().Bind(configuration.GetSection(TrainingCyclesOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TrainingCyclesOptions>, TrainingCyclesOptionsValidator>();
        services.AddOptions<SendGridOptions>().Bind(configuration.GetSection(SendGridOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SendGridOptions>, SendGridOptionsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => StorageAccount.FromConfiguration(configuration));
        services.AddSingleton<AppTables>();
        services.AddHostedService<StartupChecks>();

        return services;
    }

    /// <summary>Fails start-up with a message naming the setting, instead of failing the first request.</summary>
    private sealed class StartupChecks(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = services.GetRequiredService<StorageAccount>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
