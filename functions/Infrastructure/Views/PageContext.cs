using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace TrainingCycles.Infrastructure.Views;

/// <summary>The page being rendered: its language, its request (for links and form actions) and its script nonce.</summary>
public sealed class PageContext(string lang, HttpRequest request)
{
    public string Lang { get; } = lang;

    public HttpRequest Request { get; } = request;

    /// <summary>The request's own address (path and query): where a page's forms post back to.</summary>
    public string Self => Request.Path + Request.QueryString.ToString();

    /// <summary>Set once the layout writes a script; the security headers then allow exactly that script.</summary>
    public string? ScriptNonce { get; private set; }

    /// <summary>Hex, not base64: valid in a CSP nonce-source and never entity-encoded in the attribute ('+' would be).</summary>
    public string NewScriptNonce() => ScriptNonce ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
