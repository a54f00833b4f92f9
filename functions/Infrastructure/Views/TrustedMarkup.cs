using Microsoft.AspNetCore.Components;

namespace TrainingCycles.Infrastructure.Views;

/// <summary>
/// The reviewed places where a view writes markup that Razor does not encode. Everything else in a view is encoded.
/// Each member says why its content is safe; add one here (and get it reviewed) rather than casting to
/// <see cref="MarkupString"/> in a view.
/// </summary>
public static class TrustedMarkup
{
    /// <summary>The participant pages' stylesheet (<c>Infrastructure/Assets/pages.css</c>, a file in the build), inlined because pages allow no external style.</summary>
    public static MarkupString PagesCss { get; } = new(EmbeddedText.Read("TrainingCycles.Infrastructure.Assets.pages.css"));

    /// <summary>A page's script: always the content of an embedded .js file, never request data. A "&lt;/" cannot end the element early.</summary>
    public static MarkupString Script(string source) => new(source.Replace("</", "<\\/", StringComparison.Ordinal));

    /// <summary>A server-made image (the check-in QR code as SVG), drawn from our own data, never from request text.</summary>
    public static MarkupString Svg(string svg) => new(svg);
}
