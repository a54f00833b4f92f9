using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TrainingCycles.Attendance;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.Dashboard;
using TrainingCycles.Evaluation;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Privacy;
using TrainingCycles.Records;
using TrainingCycles.Registration;
using TrainingCycles.Reminders;

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
        services.AddSingleton<AuditLog>();
        services.AddSingleton<Tokens>();
        services.AddSingleton<CycleStore>();
        services.AddSingleton<ParticipantStore>();
        services.AddSingleton<RegistrationCommitter>();
        services.AddSingleton<ParticipantMailQueue>();
        services.AddSingleton<MailOutboxWaker>(); // #24
        services.AddSingleton<RegistrationService>();
        services.AddSingleton<FormRateLimiter>();
        services.AddSingleton<AttendanceStore>();
        services.AddSingleton<EvaluationStore>();
        services.AddSingleton<EvaluationScores>();
        services.AddSingleton<ParticipantLink>();
        services.AddSingleton<EvaluationGate>();
        services.AddSingleton<CertificateIssuer>();
        services.AddSingleton<ICertificateCycleLookup>(sp => sp.GetRequiredService<CertificateIssuer>());

        // Who acts (docs/security.md): the sign-in methods, tried in order, then the grants. Another method (the
        // email sign-in session) is one more ICallerSource registration.
        services.AddSingleton<IValidateOptions<TrainingCyclesOptions>, AccessOptionsValidator>();
        services.AddSingleton<ICallerSource, EasyAuthPrincipalSource>();
        services.AddSingleton<ICallerSource, ServiceKeySource>();
        services.AddSingleton<GrantStore>();
        services.AddSingleton<ConfiguredGrants>();
        services.AddSingleton<AccessGate>();
        services.AddSingleton<GrantRequestRules>();
        services.AddSingleton<ParticipantTimelines>();
        services.AddSingleton<CertificateCorrections>();
        services.AddSingleton<Ledger>();
        services.AddSingleton<BiodataStore>(); // #22 biodata confirmation
        services.AddSingleton<BiodataService>();
        services.AddSingleton<ICertificateLedger>(sp => sp.GetRequiredService<Ledger>());
        services.AddSingleton<CompletionFollowUp>();
        services.AddSingleton<SelfCheckIn>();
        services.AddSingleton<PresenceDesk>();
        services.AddSingleton<RosterMarking>();
        services.AddSingleton<AbsenceStore>(); // #20 excused absence and the roster lock
        services.AddSingleton<AbsenceService>();
        services.AddSingleton<RosterLock>();
        services.AddSingleton<RosterLockGate>(); // #20
        services.AddSingleton<AbsenceMail>();
        services.AddSingleton<CompletionStore>();
        // Post-test scores for the completion rule: the imported CSV first, then the evaluation's own tests, which win
        // for the same person (registered later). The adapter lives here because Evaluation and Attendance are peers.
        services.AddSingleton<IPostTestScoreSource>(sp => sp.GetRequiredService<CompletionStore>());
        services.AddSingleton<IPostTestScoreSource>(sp => new EvaluationScoreSource(sp.GetRequiredService<EvaluationScores>()));
        services.AddSingleton<CompletionEvaluation>();
        services.AddSingleton<TrainingCycles.Certificates.Letters.LetterIssuer>();
        services.AddSingleton<EmailLog>();
        services.AddSingleton<EmailEventRecorder>();
        services.AddSingleton<MailComposer>();
        services.AddSingleton<Mailer>();
        services.AddSingleton<ExactlyOnceSender>();
        services.AddHttpClient(nameof(Mailer), http => http.Timeout = TimeSpan.FromSeconds(30));
        services.TryAddSingleton(sp => Mailer.CreateClient(
            sp.GetRequiredService<IOptions<SendGridOptions>>().Value,
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(Mailer))));
        services.AddEmailSignIn(configuration);
        services.AddSingleton<Nomination.NominationStore>();
        services.AddSingleton<Registration.ISeatHolds, Nomination.NominationSeatHolds>(); // #19: quota seats kept from the open form
        services.AddSingleton<Nomination.NominationService>();
        services.AddSingleton<Nomination.NominationMail>();
        services.AddPrivacy();
        services.AddHostedService<StartupChecks>();

        return services;
    }

    /// <summary>
    /// Email sign-in: the session cookie source (one <see cref="ICallerSource"/> among those the access gate asks), the
    /// link flow, and ASP.NET Core Data Protection with a fixed application name (so every instance and both hosts share
    /// one key ring), the ring in Blob storage and each key wrapped by the Key Vault-held wrapping key.
    /// </summary>
    private static void AddEmailSignIn(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EmailSignInOptions>().Bind(configuration.GetSection(EmailSignInOptions.SectionName.Replace("__", ":", StringComparison.Ordinal))).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EmailSignInOptions>>(new EmailSignInOptionsValidator(configuration));
        services.AddSingleton<KeyWrappingKeys>();
        services.AddSingleton<BlobXmlRepository>();
        services.AddSingleton<KeyRingEncryptor>();
        services.AddDataProtection().SetApplicationName("TrainingCycles");
        services.AddOptions<KeyManagementOptions>().Configure<BlobXmlRepository, KeyRingEncryptor>((o, repository, encryptor) =>
        {
            o.XmlRepository = repository;
            o.XmlEncryptor = encryptor;
        });
        services.TryAddSingleton<ISignInEligibility, GrantEligibility>();
        services.AddSingleton<ISignInMail, SignInMail>();
        services.AddSingleton<SignInStore>();
        services.AddSingleton<EmailSignIn>();
        services.AddSingleton<SessionCookies>();
        services.AddSingleton<ICallerSource>(sp => sp.GetRequiredService<SessionCookies>());
    }

    private sealed class EvaluationScoreSource(EvaluationScores scores) : IPostTestScoreSource
    {
        public Task<IReadOnlyDictionary<string, decimal>> PostTestScoresAsync(string cycleId, CancellationToken cancellationToken) =>
            scores.PostTestScoresAsync(cycleId, cancellationToken);
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
