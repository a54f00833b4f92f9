using Microsoft.Extensions.DependencyInjection;

namespace TrainingCycles.Privacy;

public static class PrivacyServices
{
    /// <summary>
    /// The personal-data holders (one per store that keeps personal data) and the erasure workflow's services. A new
    /// store adds <c>services.AddSingleton&lt;IPersonalDataHolder, TheirHolder&gt;()</c>; export and erasure pick it up.
    /// </summary>
    public static IServiceCollection AddPrivacy(this IServiceCollection services)
    {
        services.AddSingleton<IPersonalDataHolder, ParticipantRecordHolder>();
        services.AddSingleton<IPersonalDataHolder, AttendanceHolder>();
        services.AddSingleton<IPersonalDataHolder, MailRecordHolder>();
        services.AddSingleton<IPersonalDataHolder, CertificateHolder>();
        services.AddSingleton<IPersonalDataHolder, AuditTrailHolder>();
        services.AddSingleton<IPersonalDataHolder, SignInHolder>();
        services.AddSingleton<IPersonalDataHolder, EvaluationHolder>();
        services.AddSingleton<IPersonalDataHolder, CompletionHolder>();
        services.AddSingleton<IPersonalDataHolder, NominationHolder>();
        services.AddSingleton<IPersonalDataHolder, LedgerHolder>();
        services.AddSingleton<IPersonalDataHolder, AbsenceHolder>(); // #20
        services.AddSingleton<IPersonalDataHolder, BiodataHolder>(); // #22 biodata confirmation
        services.AddSingleton<PersonalDataRegistry>();
        services.AddSingleton<ErasureStore>();
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.SectionName.Replace("__", ":", StringComparison.Ordinal)).ValidateOnStart(); // #23a retention and breach
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();
        services.AddSingleton(sp => new RetentionClock(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<RetentionService>();
        services.AddSingleton<BreachReport>();
        services.AddSingleton<TrainingCycles.Cycles.ICycleStartCompanion, RetentionStartCompanion>();
        services.AddSingleton<PersonErasure>(); // #23b erasure everywhere
        services.AddSingleton<MyDataLinks>(); // #23b the my-data link by email
        services.AddSingleton<NomineeErasure>(); // #23 nominees who never became participants
        return services;
    }
}
