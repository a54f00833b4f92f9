using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace TrainingCycles.Infrastructure;

/// <summary>Settings under <c>SendGrid__*</c>.</summary>
public sealed class SendGridOptions
{
    public const string SectionName = "SendGrid";

    public string? ApiKey { get; set; }

    public string? FromEmail { get; set; }

    public string FromName { get; set; } = "BPSDM Provinsi Kalimantan Tengah";

    /// <summary>Only for local runs: points the official client at the dev host's SendGrid-compatible sink.</summary>
    public string? HostOverride { get; set; }

    /// <summary>SendGrid validates but does not deliver (mail_settings.sandbox_mode).</summary>
    public bool SandboxMode { get; set; }

    /// <summary>Base64 (DER) ECDSA public key from SendGrid's signed event webhook settings.</summary>
    public string? WebhookVerificationKey { get; set; }

    /// <summary>
    /// Waves are sent with a SendGrid <c>batch_id</c> and <c>send_at</c> this far ahead, so a retry after a crash can
    /// cancel a batch SendGrid may already have accepted (docs/email.md "Exactly once across a crash"). SendGrid
    /// refuses cancels later than 10 minutes before <c>send_at</c> and <c>send_at</c> more than 72 hours ahead, so this is
    /// 0 (send at once, at-least-once across a crash) or between <see cref="CancelCutoffSeconds"/> + 60 s and 72 h.
    /// </summary>
    public int ScheduleAheadSeconds { get; set; } = 900;

    /// <summary>SendGrid's documented cancel cutoff before <c>send_at</c> (10 minutes), plus this app's margin for clock skew.</summary>
    public int CancelCutoffSeconds { get; set; } = 660;

    public bool WebhookConfigured => !string.IsNullOrWhiteSpace(WebhookVerificationKey) && !WebhookVerificationKey.StartsWith("@Microsoft.KeyVault(", StringComparison.Ordinal);
}

internal sealed class SendGridOptionsValidator : IValidateOptions<SendGridOptions>
{
    public ValidateOptionsResult Validate(string? name, SendGridOptions options)
    {
        var failures = new List<string>();
        const string p = SendGridOptions.SectionName + "__";

        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            failures.Add($"Setting '{p}{nameof(options.ApiKey)}' is missing: the SendGrid API key (any non-empty value for the dev host's mail sink).");
        }

        if (string.IsNullOrWhiteSpace(options.FromEmail) || !MailAddress.TryCreate(options.FromEmail, out _))
        {
            failures.Add($"Setting '{p}{nameof(options.FromEmail)}' must be the sender's email address (got '{options.FromEmail}').");
        }

        if (!string.IsNullOrEmpty(options.HostOverride) &&
            (!Uri.TryCreate(options.HostOverride, UriKind.Absolute, out var host) || (host.Scheme != Uri.UriSchemeHttp && host.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"Setting '{p}{nameof(options.HostOverride)}' must be empty or an absolute http(s) URL (got '{options.HostOverride}').");
        }

        if (options.CancelCutoffSeconds < 0 || options.ScheduleAheadSeconds < 0 || options.ScheduleAheadSeconds > 72 * 3600 ||
            (options.ScheduleAheadSeconds > 0 && options.ScheduleAheadSeconds < options.CancelCutoffSeconds + 60))
        {
            failures.Add($"Setting '{p}{nameof(options.ScheduleAheadSeconds)}' must be 0 or between '{p}{nameof(options.CancelCutoffSeconds)}' + 60 and 259200 (72 hours, SendGrid's limit for send_at); got {options.ScheduleAheadSeconds} with a cutoff of {options.CancelCutoffSeconds}.");
        }

        // An unresolved Key Vault reference (the secret is not set yet) means "webhook not configured", not a
        // broken app: the webhook refuses events until the key exists, everything else keeps working.
        if (!string.IsNullOrEmpty(options.WebhookVerificationKey) && !options.WebhookVerificationKey.StartsWith("@Microsoft.KeyVault(", StringComparison.Ordinal))
        {
            var buffer = new byte[options.WebhookVerificationKey.Length];
            if (!Convert.TryFromBase64String(options.WebhookVerificationKey, buffer, out _))
            {
                failures.Add($"Setting '{p}{nameof(options.WebhookVerificationKey)}' must be the base64 public key shown by SendGrid.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
