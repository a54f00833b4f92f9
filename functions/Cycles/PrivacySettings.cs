using System.Security.Cryptography;
using System.Text;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

/// <summary>
/// The privacy notice every form of the cycle shows (#23, <c>CycleDefinition.Privacy</c>): why the data is collected and
/// how long it is kept, per language. Omitted texts come from the catalog. The notice's version changes whenever the
/// text shown changes; a participant's consent is stored with the version they saw (<c>ConsentVersion</c>).
/// </summary>
public sealed record PrivacySettings
{
    public const int MaxLength = 2000;

    /// <summary>The purpose in Bahasa Indonesia (default: the catalog's, naming the organizer).</summary>
    public string? Purpose { get; init; }
    public string? PurposeEn { get; init; }

    /// <summary>How long the data is kept, in Bahasa Indonesia (default: the catalog's).</summary>
    public string? Retention { get; init; }
    public string? RetentionEn { get; init; }
}

/// <summary>The resolved notice of one cycle: the four texts and their version (a hash of exactly what is shown).</summary>
public sealed record ConsentNotice(string PurposeId, string PurposeEn, string RetentionId, string RetentionEn, string Version)
{
    public string Purpose(string language) => language == "en" ? PurposeEn : PurposeId;

    public string Retention(string language) => language == "en" ? RetentionEn : RetentionId;

    public static ConsentNotice For(CycleDefinition definition)
    {
        var s = definition.Privacy ?? new PrivacySettings();
        var organizer = definition.OrganizerName ?? "";
        var (defaultPurposeId, defaultPurposeEn) = Text.Both(nameof(Texts.Reg_Form_ConsentPurpose), organizer);
        var (defaultRetentionId, defaultRetentionEn) = Text.Both(nameof(Texts.Privacy_Notice_Retention));
        var purposeId = Pick(s.Purpose) ?? defaultPurposeId;
        var purposeEn = Pick(s.PurposeEn) ?? defaultPurposeEn;
        var retentionId = Pick(s.Retention) ?? defaultRetentionId;
        var retentionEn = Pick(s.RetentionEn) ?? defaultRetentionEn;
        return new(purposeId, purposeEn, retentionId, retentionEn, VersionOf(purposeId, purposeEn, retentionId, retentionEn));
    }

    /// <summary><c>v-</c> and the first 12 hex digits of SHA-256 over the four texts: same text, same version, on every instance.</summary>
    public static string VersionOf(params string[] texts)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', texts)));
        return "v-" + Convert.ToHexStringLower(hash)[..12];
    }

    private static string? Pick(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
