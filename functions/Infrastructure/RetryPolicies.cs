using Microsoft.DurableTask;

namespace TrainingCycles.Infrastructure;

/// <summary>Named retry policies per dependency, used by every orchestrator call to an activity.</summary>
public static class RetryPolicies
{
    /// <summary>Table/blob storage: brief outages and throttling (503/500) clear within seconds.</summary>
    public static readonly TaskOptions Storage = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 6, firstRetryInterval: TimeSpan.FromSeconds(2), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(60)));

    /// <summary>SendGrid: 429 and 5xx; the email log makes every retry skip what already went out.</summary>
    public static readonly TaskOptions SendGrid = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 8, firstRetryInterval: TimeSpan.FromSeconds(2), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(2)));
}
