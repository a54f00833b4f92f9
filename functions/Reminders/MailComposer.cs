using System.Net;
using Microsoft.Extensions.Options;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Reminders;

/// <summary>Turns a cycle and its participants into rendered mail and per-recipient values (links carry signed tokens).</summary>
public sealed class MailComposer(Tokens tokens, IOptions<TrainingCyclesOptions> options, TimeProvider time)
{
    /// <summary>Weeks, not a year: a forwarded mail stops opening the PDF; the holder gets a fresh link from the manage page.</summary>
    public static readonly TimeSpan DownloadLinkLifetime = TimeSpan.FromDays(30);

    public RenderedMail Render(CycleRecord cycle, string kind, string language)
    {
        var schedule = cycle.Schedule;
        var lines = Formatting.SessionLines(schedule, language);
        var values = new Dictionary<string, string>
        {
            ["title"] = cycle.Entity.Title,
            ["organizer"] = cycle.Definition.OrganizerName ?? "",
            ["venue"] = cycle.Definition.Venue ?? "",
            ["dates"] = Formatting.DateRange(schedule, language),
            ["deadline"] = Formatting.DateTime(schedule.RegistrationClosesAt, schedule.TimeZone, language),
            ["schedule"] = string.Join("\n", lines.Select(l => "- " + l)),
            ["confirmwithin"] = (cycle.Definition.OpenRegistration ?? new OpenRegistrationSettings()).ConfirmWithinMinutes.ToString(Formatting.Culture(language)),
            ["privacypurpose"] = ConsentNotice.For(cycle.Definition).Purpose(language),
            ["privacyretention"] = ConsentNotice.For(cycle.Definition).Retention(language),
            ["reason"] = string.IsNullOrWhiteSpace(cycle.Entity.CancelReason) ? "" : Text.Get(language, nameof(Texts.Mail_CancelReason), cycle.Entity.CancelReason),
        };
        var html = new Dictionary<string, string>
        {
            ["schedule"] = "<ul>" + string.Concat(lines.Select(l => "<li>" + WebUtility.HtmlEncode(l) + "</li>")) + "</ul>",
        };
        return MailTemplates.Render(kind, language, values, html);
    }

    /// <summary>Per-recipient values: name, the personal link the kind calls for, and a number.</summary>
    public MailRecipient Recipient(CycleRecord cycle, ParticipantEntity p, string kind)
    {
        var baseUri = options.Value.PublicBaseUri;
        string link;
        string number = p.RegistrationNumber ?? "";
        string privacyLink = "";
        switch (kind)
        {
            case MailKinds.Invitation:
            case MailKinds.RegistrationReminder:
                link = InviteLink(cycle, p);
                privacyLink = InviteeDataLink(cycle, p);
                break;
            case MailKinds.EmailCheck:
                link = new Uri(baseUri, $"api/cycles/{cycle.CycleId}/register?confirm={Uri.EscapeDataString(tokens.Create(TokenPurpose.ConfirmEmail, cycle.CycleId, p.RowKey, p.ConfirmBy ?? time.GetUtcNow().AddHours(1), p.TokenVersion))}").ToString();
                break;
            case MailKinds.PersonalLink:
                link = p.Status is ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted ? ManageLink(cycle, p) : InviteLink(cycle, p);
                break;
            case MailKinds.TrainingReminder:
                link = CheckInLink(cycle, p);
                break;
            case MailKinds.CertificateIssued:
                link = DownloadLink(cycle, p);
                number = p.CertificateNumber ?? "";
                break;
            default:
                link = ManageLink(cycle, p);
                break;
        }

        return new MailRecipient(p.RowKey, p.Email, p.FullName, new Dictionary<string, string>
        {
            ["name"] = string.IsNullOrWhiteSpace(p.FullName) ? Text.Get(p.Language, nameof(Texts.Mail_NameFallback)) : p.FullName,
            ["link"] = link,
            ["number"] = number,
            ["privacylink"] = privacyLink,
        });
    }

    // Every personal link carries the participant's token version: a withdrawal or an email change bumps it, and the
    // links sent before stop working.
    public string InviteLink(CycleRecord cycle, ParticipantEntity p) =>
        new Uri(options.Value.PublicBaseUri, $"api/cycles/{cycle.CycleId}/register?invite={Uri.EscapeDataString(tokens.Create(TokenPurpose.Invite, cycle.CycleId, p.RowKey, cycle.Schedule.RegistrationClosesAt.AddDays(1), p.TokenVersion))}").ToString();

    /// <summary>#23: an imported invitee's own data page (what the organizer holds, objecting = erasure), with the invite token.</summary>
    public string InviteeDataLink(CycleRecord cycle, ParticipantEntity p) =>
        new Uri(options.Value.PublicBaseUri, $"api/cycles/{cycle.CycleId}/my-data?invite={Uri.EscapeDataString(tokens.Create(TokenPurpose.Invite, cycle.CycleId, p.RowKey, cycle.Schedule.RegistrationClosesAt.AddDays(1), p.TokenVersion))}").ToString();

    public string ManageLink(CycleRecord cycle, ParticipantEntity p) =>
        new Uri(options.Value.PublicBaseUri, $"api/cycles/{cycle.CycleId}/register?manage={Uri.EscapeDataString(tokens.Create(TokenPurpose.Manage, cycle.CycleId, p.RowKey, cycle.TrainingEndsAt.AddDays(30), p.TokenVersion))}").ToString();

    public string CheckInLink(CycleRecord cycle, ParticipantEntity p) =>
        new Uri(options.Value.PublicBaseUri, $"api/cycles/{cycle.CycleId}/checkin?t={Uri.EscapeDataString(tokens.Create(TokenPurpose.CheckIn, cycle.CycleId, p.RowKey, cycle.TrainingEndsAt.AddDays(1), p.TokenVersion))}").ToString();

    public string DownloadLink(CycleRecord cycle, ParticipantEntity p) =>
        new Uri(options.Value.PublicBaseUri, $"api/certificates/{p.CertificateId}/download?token={Uri.EscapeDataString(tokens.Create(TokenPurpose.Download, cycle.CycleId, p.CertificateId ?? "", time.GetUtcNow().Add(DownloadLinkLifetime), p.TokenVersion))}").ToString();

    /// <summary>Who a wave of <paramref name="kind"/> goes to, decided at send time from the current rows.</summary>
    public static bool IsRecipient(string kind, ParticipantEntity p) => kind switch
    {
        _ when p.Email.Length == 0 => false, // erased (Privacy/): no address, no mail
        MailKinds.Invitation or MailKinds.RegistrationReminder => p.Invited && p.Status == ParticipantStatus.Invited,
        MailKinds.TrainingReminder => p.Status == ParticipantStatus.Confirmed,
        MailKinds.ScheduleChanged => p.Status is ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted,
        MailKinds.Cancelled => p.Status is not (ParticipantStatus.Withdrawn or ParticipantStatus.Unconfirmed),
        MailKinds.CertificateIssued => p.Eligible == true && p.CertificateId is not null,
        _ => false,
    };
}
