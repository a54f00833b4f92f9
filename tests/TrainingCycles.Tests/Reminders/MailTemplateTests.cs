using TrainingCycles.Reminders;

namespace TrainingCycles.Tests.Reminders;

public sealed class MailTemplateTests
{
    public static TheoryData<string, string> KindsAndLanguages()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in MailKinds.All)
        {
            data.Add(kind, "id");
            data.Add(kind, "en");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KindsAndLanguages))]
    public void EveryKindRendersInBothLanguagesWithItsPerRecipientTokens(string kind, string language)
    {
        var mail = MailTemplates.Render(kind, language, new Dictionary<string, string> { ["title"] = "Pelatihan Dasar", ["organizer"] = "BPSDM", ["venue"] = "Aula", ["dates"] = "7 Desember 2026", ["deadline"] = "1 Desember 2026", ["schedule"] = "- Hari 1", ["reason"] = "", ["confirmwithin"] = "60", ["minutes"] = "15", ["privacypurpose"] = "Tujuan", ["privacyretention"] = "Masa simpan" });

        Assert.DoesNotContain("{{", mail.Subject + mail.Text + mail.Html, StringComparison.Ordinal);
        Assert.Contains(MailTemplates.HtmlToken("name"), mail.Html, StringComparison.Ordinal);
        Assert.Contains(MailTemplates.TextToken("name"), mail.Text, StringComparison.Ordinal);
        Assert.Contains($"<html lang=\"{language}\"", mail.Html, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(mail.Subject));
    }

    [Fact]
    public void HostileValuesAreEncodedInHtmlAndSubjectsStayOnOneLine()
    {
        var hostile = "<script>alert('x')</script>\r\nBcc: evil@example.org";
        var mail = MailTemplates.Render(MailKinds.Invitation, "id", new Dictionary<string, string> { ["title"] = hostile, ["organizer"] = "O", ["venue"] = "<img src=x onerror=alert(1)>", ["dates"] = "d", ["deadline"] = "d" });
        var substitutions = MailTemplates.Substitutions(new Dictionary<string, string> { ["name"] = "<b>Budi</b>\nBcc: x", ["link"] = "https://example.org/?a=1&b=2" });

        Assert.DoesNotContain("<script>", mail.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", mail.Html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", mail.Html, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', mail.Subject);
        Assert.Equal("&lt;b&gt;Budi&lt;/b&gt;\nBcc: x", substitutions[MailTemplates.HtmlToken("name")]);
        Assert.DoesNotContain('\n', substitutions[MailTemplates.TextToken("name")]);
        Assert.Equal("https://example.org/?a=1&amp;b=2", substitutions[MailTemplates.HtmlToken("link")]);
    }
}
