using TrainingCycles.Privacy;

namespace TrainingCycles.DevHost.MailSink;

/// <summary>The dev host's mail sink as a personal-data holder: an erasure removes the person's copies and the copies
/// about their participation sent to others (their superior's follow-up survey names them); in Azure, SendGrid keeps its
/// activity per its own retention (docs/privacy.md says so).</summary>
public sealed class MailSinkHolder(MailSinkStore store) : IPersonalDataHolder
{
    public string Name => "mail-sink";

    public IReadOnlyList<string> Places => ["mail-sink"];

    public Task<PersonalDataSection> ExportAsync(PersonalDataSubject subject, CancellationToken cancellationToken) =>
        Task.FromResult(new PersonalDataSection(Name, Places,
            [.. store.Of(subject.Email, subject.CycleId, subject.ParticipantId)
                .Select(d => (IReadOnlyDictionary<string, string?>)new Dictionary<string, string?>(StringComparer.Ordinal) { ["to"] = d.To, ["subject"] = d.Subject, ["kind"] = d.CustomArgs.GetValueOrDefault("k") })]));

    public Task<ErasureCount> EraseAsync(PersonalDataSubject subject, CancellationToken cancellationToken) =>
        Task.FromResult(new ErasureCount(Name, store.Forget(subject.Email, subject.CycleId, subject.ParticipantId), []));
}
