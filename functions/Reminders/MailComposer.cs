using System.Net;
using Microsoft.Extensions.Options;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;

namespace TrainingCycles.Reminders;

/// <summary>Turns a cycle and its participants into rendered mail and per-recipient values (links carry signed tokens).</summary>
public sealed class MailComposer(Tokens tokens, IOptions<TrainingCyclesOptions> options, TimeProvider time)
{
    public static readonly TimeSpan DownloadLinkLifetime = TimeSpan.FromDays(365);

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
            ["reason"] = string.IsNullOrWhiteSpace(cycle.Entity.CancelReason) ? "" : (language == "en" ? "Reason: " : "Alasan: ") + cycle.Entity.CancelReason,
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
        switch (kind)
        {
            case MailKinds.Invitation:
            case MailKinds.RegistrationReminder:
                link = new Uri(baseUri, $"api/cycles/{cycle.CycleId}/register?invite={Uri.EscapeDataString(tokens.Create(TokenPurpose.Invite, cycle.CycleId, p.RowKey, cycle.Schedule.RegistrationClosesAt.AddDays(1)))}").ToString();
                break;
            case MailKinds.TrainingReminder:
                link = CheckInLink(cycle, p.RowKey);
                break;
            case MailKinds.CertificateIssued:
                link = new Uri(baseUri, $"api/certificates/{p.CertificateId}/download?token={Uri.EscapeDataString(tokens.Create(TokenPurpose.Download, cycle.CycleId, p.CertificateId ?? "", time.GetUtcNow().Add(DownloadLinkLifetime)))}").ToString();
                number = p.CertificateNumber ?? "";
                break;
            default:
                link = ManageLink(cycle, p.RowKey);
                break;
        }

        return new MailRecipient(p.RowKey, p.Email, p.FullName, new Dictionary<string, string>
        {
            ["name"] = string.IsNullOrWhiteSpace(p.FullName) ? (p.Language == "en" ? "Participant" : "Bapak/Ibu") : p.FullName,
            ["link"] = link,
            ["number"] = number,
        });
    }

    public string ManageLink(CycleRecord cycle, string participantId) =>
        new Uri(options.Value.PublicBaseUri, $"api/cycles/{cycle.CycleId}/register?manage={Uri.EscapeDataString(tokens.Create(TokenPurpose.Manage, cycle.CycleId, participantId, cycle.TrainingEndsAt.AddDays(30)))}").ToString();

    public string CheckInLink(CycleRecord cycle, string participantId) =>
        new Uri(options.Value.PublicBaseUri, $"api/cycles/{cycle.CycleId}/checkin?t={Uri.EscapeDataString(tokens.Create(TokenPurpose.CheckIn, cycle.CycleId, participantId, cycle.TrainingEndsAt.AddDays(1)))}").ToString();

    /// <summary>Who a wave of <paramref name="kind"/> goes to, decided at send time from the current rows.</summary>
    public static bool IsRecipient(string kind, ParticipantEntity p) => kind switch
    {
        MailKinds.Invitation or MailKinds.RegistrationReminder => p.Invited && p.Status == ParticipantStatus.Invited,
        MailKinds.TrainingReminder => p.Status == ParticipantStatus.Confirmed,
        MailKinds.ScheduleChanged => p.Status is ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted,
        MailKinds.Cancelled => p.Status is not ParticipantStatus.Withdrawn,
        MailKinds.CertificateIssued => p.Eligible == true && p.CertificateId is not null,
        _ => false,
    };
}
