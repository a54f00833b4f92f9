namespace TrainingCycles.Tests.Reliability;

/// <summary>The headers every HTML page must carry: not cached, not sniffed, not framed, under a content security policy.</summary>
internal static class SecurityHeaders
{
    public static string? Get(Fuzz.Answer answer, string name) =>
        answer.Headers.TryGetValues(name, out var values) ? string.Join(", ", values)
        : answer.ContentHeaders.TryGetValues(name, out var content) ? string.Join(", ", content) : null;

    /// <summary>Null when the page is fine, else what is missing.</summary>
    public static string? Problems(Fuzz.Answer answer)
    {
        var problems = new List<string>();
        if (answer.MediaType != "text/html")
        {
            problems.Add($"content type {answer.MediaType ?? "none"}, not text/html");
        }

        if (Get(answer, "Cache-Control") is not { } cache || !cache.Contains("no-store", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"Cache-Control '{Get(answer, "Cache-Control")}' lacks no-store");
        }

        if (!string.Equals(Get(answer, "X-Content-Type-Options"), "nosniff", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add("no X-Content-Type-Options: nosniff");
        }

        var csp = Get(answer, "Content-Security-Policy");
        if (string.IsNullOrEmpty(csp) || !csp.Contains("default-src", StringComparison.Ordinal))
        {
            problems.Add("no Content-Security-Policy with a default-src");
        }

        var framing = string.Equals(Get(answer, "X-Frame-Options"), "DENY", StringComparison.OrdinalIgnoreCase) || (csp?.Contains("frame-ancestors 'none'", StringComparison.Ordinal) ?? false);
        if (!framing)
        {
            problems.Add("may be framed (no X-Frame-Options: DENY, no frame-ancestors 'none')");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    public static void AssertOnPage(Fuzz.Answer answer, string what)
    {
        var problems = Problems(answer);
        Assert.True(problems is null, $"{what} ({answer.Code}): {problems}");
    }
}
