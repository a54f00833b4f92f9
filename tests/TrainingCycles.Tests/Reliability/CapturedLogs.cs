using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace TrainingCycles.Tests.Reliability;

/// <summary>One log call as the app (or the engine, or the host) made it.</summary>
public sealed record LogLine(string Category, LogLevel Level, string Message, IReadOnlyList<KeyValuePair<string, string?>> State, IReadOnlyList<string> Scopes, string? Exception)
{
    /// <summary>Everything the line carries, as one searchable text: what a log sink would store.</summary>
    public string AllText
    {
        get
        {
            var text = new StringBuilder().Append(Category).Append(' ').Append(Message);
            foreach (var (key, value) in State)
            {
                text.Append(" | ").Append(key).Append('=').Append(value);
            }

            foreach (var scope in Scopes)
            {
                text.Append(" | scope ").Append(scope);
            }

            return text.Append(" | ").Append(Exception).ToString();
        }
    }
}

/// <summary>
/// Records every log line of a dev host — the formatted message, every structured state value (the template's
/// arguments, including ones the message does not print), the scopes, and the exception text — so tests can search
/// what Application Insights would receive.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<LogLine> _lines = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<LogLine> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        System.Collections.IEnumerable e => string.Join(",", e.Cast<object?>().Select(Text)),
        _ => value.ToString(),
    };

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = new List<KeyValuePair<string, string?>>();
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                values.AddRange(pairs.Select(p => KeyValuePair.Create(p.Key, Text(p.Value))));
            }
            else if (state is not null)
            {
                values.Add(KeyValuePair.Create("state", Text(state)));
            }

            var scopes = new List<string>();
            owner._scopes.ForEachScope((scope, list) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> scopePairs)
                {
                    list.AddRange(scopePairs.Select(p => p.Key + "=" + Text(p.Value)));
                }
                else
                {
                    list.Add(Text(scope) ?? "");
                }
            }, scopes);
            owner._lines.Enqueue(new LogLine(category, logLevel, formatter(state, exception), values, scopes, exception?.ToString()));
        }
    }
}
