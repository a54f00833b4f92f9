using Microsoft.AspNetCore.Components;

namespace TrainingCycles.Infrastructure.Views;

/// <summary>
/// What every view sees: the page being rendered (<see cref="Page"/>: its language and request) and
/// <see cref="T(string, object?[])"/> to read the catalog in that language. Views get it through <c>_Imports.razor</c>.
/// </summary>
public abstract class ViewBase : ComponentBase
{
    [CascadingParameter]
    public PageContext Page { get; set; } = default!;

    protected string Lang => Page.Lang;

    /// <summary>The text for <paramref name="key"/> (use <c>nameof(Texts.Key)</c>) in the page's language.</summary>
    protected string T(string key, params object?[] args) => Text.Get(Page.Lang, key, args);
}

/// <summary>A view with a model: the trigger (or its service) fills a record, the view shows it.</summary>
public abstract class ViewBase<TModel> : ViewBase
{
    [Parameter, EditorRequired]
    public TModel Model { get; set; } = default!;
}
