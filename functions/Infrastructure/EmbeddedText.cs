namespace TrainingCycles.Infrastructure;

/// <summary>Text files shipped inside the assembly (stylesheets, scripts): edited as files, read once at start-up.</summary>
public static class EmbeddedText
{
    public static string Read(string logicalName)
    {
        using var stream = typeof(EmbeddedText).Assembly.GetManifestResourceStream(logicalName)
            ?? throw new InvalidOperationException($"Embedded resource '{logicalName}' is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
