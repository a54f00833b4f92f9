using Microsoft.Playwright;

namespace TrainingCycles.Tests.Support;

/// <summary>
/// Debian's Chromium driven by Playwright (Playwright's own browser download cannot run here; see
/// <see cref="Prerequisites"/> for how it gets installed). One browser per test class fixture is cheap enough;
/// each test gets its own context (cookies, storage).
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Instance { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var chromium = Prerequisites.Require("chromium", "chromium");
        _playwright = await Playwright.CreateAsync();
        Instance = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            // The fake camera flags let the door-scanner test open a camera; nothing else asks for one.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"],
        });
    }

    public async Task<IPage> NewPageAsync(string? locale = "id-ID", ViewportSize? viewport = null)
    {
        var context = await Instance.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = locale,
            ViewportSize = viewport ?? new ViewportSize { Width = 390, Height = 844 }, // a phone
        });
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (Instance is not null)
        {
            await Instance.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
