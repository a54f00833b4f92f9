using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace TrainingCycles.Infrastructure;

/// <summary>Consistent JSON errors for the API: a code, and the message in Bahasa Indonesia and English.</summary>
public sealed record ApiError(string Code, string Message, string MessageEn, object? Details = null);

/// <summary>A refusal decided by a service, turned into the API's error answer by the trigger (<see cref="Http.Error"/>).</summary>
public sealed record Refusal(int Status, string Code, string Key, object?[]? Args = null, object? Details = null)
{
    public IActionResult ToResult() => Http.Error(Status, Code, Key, Args, Details);
}

/// <summary>What a 404 says was not found.</summary>
public enum Missing
{
    Data,
    Cycle,
    Session,
    Certificate,
    Participant,
}

public static class Http
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>
    /// An API error whose message comes from the catalog in both languages:
    /// <c>Http.Error(400, "invalid_x", nameof(Texts.Error_X), [arg0, arg1])</c>. The JSON is
    /// <c>{"error":{"code","message","messageEn","details"}}</c>.
    /// </summary>
    /// <summary>
    /// A text file sent either as the body (its content type as sent) or as the first file of a multipart form
    /// (then treated as <c>text/csv</c>), at most <paramref name="maxBytes"/>: checked against the declared length
    /// before anything is buffered. On failure <c>Refused</c> is the answer to send.
    /// </summary>
    public static async Task<(string? Body, string ContentType, IActionResult? Refused)> ReadTextUploadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        var contentType = request.ContentType ?? "";
        if (!contentType.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            var body = await ReadBodyAsync(request, maxBytes, cancellationToken);
            return body is null ? (null, contentType, TooLarge(maxBytes)) : (body, contentType, null);
        }

        if (request.ContentLength > maxBytes)
        {
            return (null, contentType, TooLarge(maxBytes));
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return (null, contentType, Error(StatusCodes.Status400BadRequest, "unreadable_body", nameof(Texts.Error_UnreadableBody)));
        }

        var file = form.Files.FirstOrDefault();
        if (file is null || file.Length > maxBytes)
        {
            return (null, contentType, file is null ? Error(StatusCodes.Status400BadRequest, "no_file", nameof(Texts.Error_Cycle_NoFile)) : TooLarge(maxBytes));
        }

        using var reader = new StreamReader(file.OpenReadStream(), System.Text.Encoding.UTF8);
        return (await reader.ReadToEndAsync(cancellationToken), "text/csv", null);
    }

    public static IActionResult Error(int status, string code, string key, object?[]? args = null, object? details = null)
    {
        var (message, messageEn) = Text.Both(key, args ?? []);
        return new ObjectResult(new { error = new ApiError(code, message, messageEn, details) }) { StatusCode = status };
    }

    /// <summary>404 for a missing cycle, session, certificate or participant.</summary>
    public static IActionResult NotFound(Missing what) => Error(StatusCodes.Status404NotFound, "not_found", what switch
    {
        Missing.Cycle => nameof(Texts.Error_NotFound_Cycle),
        Missing.Session => nameof(Texts.Error_NotFound_Session),
        Missing.Certificate => nameof(Texts.Error_NotFound_Certificate),
        Missing.Participant => nameof(Texts.Error_NotFound_Participant),
        _ => nameof(Texts.Error_NotFound),
    });

    public static IActionResult Ok(object value, int status = StatusCodes.Status200OK) => new JsonResult(value, Json) { StatusCode = status };

    /// <summary>Reads the body as UTF-8 text up to a limit; null when it is larger (→ 413).</summary>
    public static async Task<string?> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken = default)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    public static IActionResult TooLarge(int maxBytes) =>
        Error(StatusCodes.Status413PayloadTooLarge, "too_large", nameof(Texts.Error_TooLarge), [maxBytes / 1024]);

    /// <summary>Deserializes JSON or returns a 400 that says why (never a 500).</summary>
    public static bool TryParseJson<T>(string body, out T? value, out IActionResult? error)
    {
        try
        {
            value = JsonSerializer.Deserialize<T>(body, Json);
            error = value is null ? Error(StatusCodes.Status400BadRequest, "invalid_json", nameof(Texts.Error_EmptyJson)) : null;
            return value is not null;
        }
        catch (JsonException e)
        {
            value = default;
            var where = e.Path is { Length: > 0 } path ? $" ({path})" : "";
            error = Error(StatusCodes.Status400BadRequest, "invalid_json", nameof(Texts.Error_InvalidJson), [where]);
            return false;
        }
    }
}
