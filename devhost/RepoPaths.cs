namespace TrainingCycles.DevHost;

/// <summary>Finds the repository root (the folder with host.json and package.json) from wherever we run.</summary>
internal static class RepoPaths
{
    public static string FindRoot(string? start = null)
    {
        foreach (var origin in new[] { start, Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = origin is null ? null : new DirectoryInfo(origin); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "host.json")) && File.Exists(Path.Combine(dir.FullName, "package.json")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (a folder with host.json and package.json). Run the dev host from inside the repository.");
    }
}
