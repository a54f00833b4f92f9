using TrainingCycles.Privacy;

namespace TrainingCycles.DevHost.MailSink;

/// <summary>The dev host's mail sink as a personal-data holder: an erasure removes the person's copies (in Azure,
/// SendGrid keeps its activity per its own retention; docs/privacy.md says so).</summary>
public sealed class MailSinkHolder(MailSinkStore store) : IPersonalDataHolder
{
    public string Name => "mail-sink";

    public IReadOnlyList<string> Places => ["mail-sink"];

    public Task<PersonalDataSection> ExportAsync(PersonalDataSubject subject, CancellationToken cancellationToken) =>
        Task.FromResult(new PersonalDataSection(Name, Places, subject.Email is not { Length: > 0 } email ? [] :
            [.. store.Deliveries.Where(d => string.Equals(d.To, email, StringComparison.OrdinalIgnoreCase))
                .Select(d => (IReadOnlyDictionary<string, string?>)new Dictionary<string, string?>(StringComparer.Ordinal) { ["to"] = d.To, ["subject"] = d.Subject, ["kind"] = d.CustomArgs.GetValueOrDefault("k") })]));

    public Task<ErasureCount> EraseAsync(PersonalDataSubject subject, CancellationToken cancellationToken) =>
        Task.FromResult(new ErasureCount(Name, subject.Email is { Length: > 0 } email ? store.Forget(email) : 0, []));
}
