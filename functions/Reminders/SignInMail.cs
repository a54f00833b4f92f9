using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Reminders;

/// <summary>
/// The email sign-in link mail (<see cref="MailKinds.SignIn"/>), through the same templates and SendGrid path as every
/// other mail. Custom args hold ids only: <c>c</c>=<see cref="CycleArg"/> (no cycle, so the event webhook ignores it),
/// <c>p</c>=the request's random id, <c>k</c>=the kind; never the address, the link or its nonce.
/// </summary>
public sealed class SignInMail(Mailer mailer) : ISignInMail
{
    public const string CycleArg = "signin";

    public async Task SendAsync(SignInMailRequest request, CancellationToken cancellationToken)
    {
        var mail = MailTemplates.Render(MailKinds.SignIn, request.Language, new Dictionary<string, string>
        {
            ["minutes"] = request.LifetimeMinutes.ToString(Formatting.Culture(request.Language)),
        });
        var recipient = new MailRecipient(request.RequestId, request.Email, request.DisplayName, new Dictionary<string, string>
        {
            ["name"] = string.IsNullOrWhiteSpace(request.DisplayName) ? (request.Language == "en" ? "Sir/Madam" : "Bapak/Ibu") : request.DisplayName,
            ["link"] = request.Link,
            ["number"] = "",
        });
        var outcome = await mailer.SendAsync(CycleArg, MailKinds.SignIn, mail, [recipient], cancellationToken: cancellationToken);
        if (outcome.Rejected.Count > 0)
        {
            throw new InvalidOperationException("SendGrid rejected the sign-in mail " + request.RequestId + ": " + outcome.Rejected[0].Error);
        }
    }

    public bool IsTransient(Exception exception) => exception is TransientMailException;
}
