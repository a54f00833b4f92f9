using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace TrainingCycles.Infrastructure;

/// <summary>Consistent JSON errors for the API: a code, and the message in Bahasa Indonesia and English.</summary>
public sealed record ApiError(string Code, string Message, string MessageEn, object? Details = null);

public static class Http
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public static IActionResult Error(int status, string code, string message, string messageEn, object? details = null) =>
        new ObjectResult(new { error = new ApiError(code, message, messageEn, details) }) { StatusCode = status };

    public static IActionResult NotFound(string what = "Data") =>
        Error(StatusCodes.Status404NotFound, "not_found", $"{what} tidak ditemukan.", "Not found.");

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
        Error(StatusCodes.Status413PayloadTooLarge, "too_large", $"Isi permintaan melebihi batas {maxBytes / 1024} KB.", $"The request body exceeds {maxBytes / 1024} KB.");

    /// <summary>Deserializes JSON or returns a 400 that says why (never a 500).</summary>
    public static bool TryParseJson<T>(string body, out T? value, out IActionResult? error)
    {
        try
        {
            value = JsonSerializer.Deserialize<T>(body, Json);
            error = value is null ? Error(StatusCodes.Status400BadRequest, "invalid_json", "Isi permintaan kosong.", "The request body is empty.") : null;
            return value is not null;
        }
        catch (JsonException e)
        {
            value = default;
            var where = e.Path is { Length: > 0 } path ? $" ({path})" : "";
            error = Error(StatusCodes.Status400BadRequest, "invalid_json", "Isi permintaan bukan JSON yang valid" + where + ".", "The request body is not valid JSON" + where + ".");
            return false;
        }
    }
}
