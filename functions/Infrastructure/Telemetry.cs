using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TrainingCycles.Infrastructure;

/// <summary>
/// The app's own meter: what an operator counts on a dashboard. Tags are kinds and reasons, never a person
/// (no ids, names, emails, NIPs): a cycle id appears in log events, not as a metric dimension.
/// </summary>
public static class Telemetry
{
    public const string Name = "TrainingCycles";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>A cycle entered a phase (tags: from, to).</summary>
    public static readonly Counter<long> PhaseChanges = Meter.CreateCounter<long>("trainingcycles.phase_changes", description: "Cycles entering a phase");

    /// <summary>Mails handed to SendGrid by a wave (tag: kind).</summary>
    public static readonly Counter<long> MailsSent = Meter.CreateCounter<long>("trainingcycles.mails_sent", description: "Mails accepted by SendGrid");

    /// <summary>Certificates rendered and stored (tag: step — completion or follow-up).</summary>
    public static readonly Counter<long> CertificatesIssued = Meter.CreateCounter<long>("trainingcycles.certificates_issued", description: "Certificate PDFs stored");

    /// <summary>Requests refused (tags: form, reason).</summary>
    public static readonly Counter<long> Refusals = Meter.CreateCounter<long>("trainingcycles.refusals", description: "Requests refused, by form and reason");
}

public static class TelemetrySettings
{
    /// <summary>The client id in <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> (<c>ClientId=…;Authorization=AAD</c>), if any.</summary>
    public static string? ManagedIdentityClientId(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString))
        {
            return null;
        }

        var parts = authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        return parts.TryGetValue("Authorization", out var auth) && auth.Equals("AAD", StringComparison.OrdinalIgnoreCase) && parts.TryGetValue("ClientId", out var id) && id.Length > 0 ? id : null;
    }
}
