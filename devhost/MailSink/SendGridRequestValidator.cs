using System.Net.Mail;
using System.Text;
using System.Text.Json;

namespace TrainingCycles.DevHost.MailSink;

/// <summary>
/// Checks a v3 <c>mail/send</c> body against the limits SendGrid documents, and answers with SendGrid's error
/// shape (<c>{"errors":[{"message","field","help"}]}</c>), so code that passes here passes there.
/// </summary>
public static class SendGridRequestValidator
{
    public const int MaxRecipientsPerRequest = 1000;
    public const int MaxPersonalizations = 1000;
    public const int MaxCategories = 10;
    public const int MaxCategoryLength = 255;
    public const int MaxCustomArgsBytes = 10_000;
    public const long MaxRequestBytes = 30 * 1024 * 1024;

    public sealed record Error(string Message, string? Field);

    public static IReadOnlyList<Error> Validate(JsonElement root)
    {
        var errors = new List<Error>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new("Bad Request", null));
            return errors;
        }

        var hasTemplate = root.TryGetProperty("template_id", out var template) && template.ValueKind == JsonValueKind.String && template.GetString()!.Length > 0;

        // from
        if (!root.TryGetProperty("from", out var from) || !IsValidAddress(from))
        {
            errors.Add(new("The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.", "from.email"));
        }

        if (root.TryGetProperty("reply_to", out var replyTo) && replyTo.ValueKind != JsonValueKind.Null && !IsValidAddress(replyTo))
        {
            errors.Add(new("The reply_to email does not contain a valid address.", "reply_to.email"));
        }

        // personalizations
        var allSubjectsInPersonalizations = true;
        if (!root.TryGetProperty("personalizations", out var personalizations) || personalizations.ValueKind != JsonValueKind.Array || personalizations.GetArrayLength() == 0)
        {
            errors.Add(new("The personalizations field is required and must have at least one personalization.", "personalizations"));
            allSubjectsInPersonalizations = false;
        }
        else
        {
            if (personalizations.GetArrayLength() > MaxPersonalizations)
            {
                errors.Add(new($"The personalizations field may not have more than {MaxPersonalizations} items.", "personalizations"));
            }

            var totalRecipients = 0;
            var index = 0;
            foreach (var personalization in personalizations.EnumerateArray())
            {
                var field = $"personalizations.{index}";
                if (!personalization.TryGetProperty("to", out var to) || to.ValueKind != JsonValueKind.Array || to.GetArrayLength() == 0)
                {
                    errors.Add(new("The to array is required for all personalization objects, and must have at least one email object with a valid email address.", field + ".to"));
                }

                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var list in new[] { "to", "cc", "bcc" })
                {
                    if (!personalization.TryGetProperty(list, out var recipients) || recipients.ValueKind != JsonValueKind.Array)
                    {
                        continue;
                    }

                    var j = 0;
                    foreach (var recipient in recipients.EnumerateArray())
                    {
                        totalRecipients++;
                        if (!IsValidAddress(recipient))
                        {
                            errors.Add(new("Does not contain a valid address.", $"{field}.{list}.{j}.email"));
                        }
                        else if (!seen.Add(recipient.GetProperty("email").GetString()!))
                        {
                            errors.Add(new("Each email address in the personalization block should be unique between to, cc, and bcc. We found the first duplicate instance of [REDACTED] in the personalizations." + list + " field.", $"{field}.{list}"));
                        }

                        j++;
                    }
                }

                if (!(personalization.TryGetProperty("subject", out var ps) && ps.ValueKind == JsonValueKind.String && ps.GetString()!.Length > 0))
                {
                    allSubjectsInPersonalizations = false;
                }

                if (personalization.TryGetProperty("custom_args", out var pArgs))
                {
                    CheckCustomArgs(pArgs, field + ".custom_args", errors);
                }

                index++;
            }

            if (totalRecipients > MaxRecipientsPerRequest)
            {
                errors.Add(new($"The total number of recipients must be no more than {MaxRecipientsPerRequest}. This includes all recipients defined within the to, cc, and bcc parameters, across each object that you include in the personalizations array.", "personalizations"));
            }
        }

        // subject
        var hasSubject = root.TryGetProperty("subject", out var subject) && subject.ValueKind == JsonValueKind.String && subject.GetString()!.Length > 0;
        if (!hasSubject && !allSubjectsInPersonalizations && !hasTemplate)
        {
            errors.Add(new("The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.", "subject"));
        }

        // content
        if (root.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array && content.GetArrayLength() > 0)
        {
            var i = 0;
            foreach (var part in content.EnumerateArray())
            {
                if (!part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString()!.Length == 0)
                {
                    errors.Add(new("The content type must be provided.", $"content.{i}.type"));
                }

                if (!part.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.String || value.GetString()!.Length == 0)
                {
                    errors.Add(new("The content value must be a string at least one character in length.", $"content.{i}.value"));
                }

                if (i > 0 && part.TryGetProperty("type", out var laterType) && string.Equals(laterType.GetString(), "text/plain", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add(new("If present, text/plain content must be first, followed by any other content.", "content"));
                }

                i++;
            }
        }
        else if (!hasTemplate)
        {
            errors.Add(new("Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.", "content"));
        }

        // categories
        if (root.TryGetProperty("categories", out var categories) && categories.ValueKind == JsonValueKind.Array)
        {
            if (categories.GetArrayLength() > MaxCategories)
            {
                errors.Add(new($"Too many categories. The maximum is {MaxCategories}.", "categories"));
            }

            var unique = new HashSet<string>(StringComparer.Ordinal);
            foreach (var category in categories.EnumerateArray())
            {
                var text = category.ValueKind == JsonValueKind.String ? category.GetString()! : "";
                if (text.Length == 0 || text.Length > MaxCategoryLength)
                {
                    errors.Add(new($"A category cannot be empty or longer than {MaxCategoryLength} characters.", "categories"));
                }
                else if (!unique.Add(text))
                {
                    errors.Add(new("The categories parameter may only contain unique values.", "categories"));
                }
            }
        }

        if (root.TryGetProperty("custom_args", out var customArgs))
        {
            CheckCustomArgs(customArgs, "custom_args", errors);
        }

        // attachments
        if (root.TryGetProperty("attachments", out var attachments) && attachments.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var attachment in attachments.EnumerateArray())
            {
                if (!attachment.TryGetProperty("filename", out var filename) || filename.ValueKind != JsonValueKind.String || filename.GetString()!.Length == 0)
                {
                    errors.Add(new("The attachment filename parameter is required.", $"attachments.{i}.filename"));
                }

                if (!attachment.TryGetProperty("content", out var data) || data.ValueKind != JsonValueKind.String || data.GetString()!.Length == 0 || !IsBase64(data.GetString()!))
                {
                    errors.Add(new("The attachment content must be base64 encoded.", $"attachments.{i}.content"));
                }

                if (attachment.TryGetProperty("type", out var mime) && mime.ValueKind == JsonValueKind.String && (mime.GetString()!.Contains(';') || mime.GetString()!.Contains('\n')))
                {
                    errors.Add(new("The attachment type cannot contain ';', or CRLF characters.", $"attachments.{i}.type"));
                }

                i++;
            }
        }

        return errors;
    }

    private static void CheckCustomArgs(JsonElement args, string field, List<Error> errors)
    {
        if (args.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new("custom_args must be an object of string values.", field));
            return;
        }

        if (args.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
        {
            errors.Add(new("Each custom_args value must be a string.", field));
        }

        if (Encoding.UTF8.GetByteCount(args.GetRawText()) > MaxCustomArgsBytes)
        {
            errors.Add(new($"The custom_args may not exceed {MaxCustomArgsBytes} bytes.", field));
        }
    }

    private static bool IsValidAddress(JsonElement address) =>
        address.ValueKind == JsonValueKind.Object &&
        address.TryGetProperty("email", out var email) &&
        email.ValueKind == JsonValueKind.String &&
        MailAddress.TryCreate(email.GetString(), out var parsed) &&
        parsed.Address == email.GetString() &&
        parsed.Host.Contains('.', StringComparison.Ordinal);

    private static bool IsBase64(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out _);
    }
}
