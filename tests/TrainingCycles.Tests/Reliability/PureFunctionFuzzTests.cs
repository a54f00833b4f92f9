using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Options;
using TrainingCycles.Attendance;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Tests.Reliability.Corpus;
using Xunit.Abstractions;

namespace TrainingCycles.Tests.Reliability;

/// <summary>
/// The validators and parsers every request goes through, fed tens of thousands of generated inputs: they never
/// throw, and what they accept is well-formed (normalised, within limits, stable when validated again).
/// </summary>
public sealed class PureFunctionFuzzTests(ITestOutputHelper output)
{
    private const int Many = 10_000;
    private static readonly DateOnly Today = new(2026, 12, 14);
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(Many).WithQuietOnSuccess(true);

    private static readonly string[] RegistrationFields = ["fullName", "nip", "email", "phone", "agency", "agencyLevel", "regency", "position", "rank", "consent"];

    private void Check(string name, Property property, int tests = Many)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        global::FsCheck.Check.One(Quick.WithMaxTest(tests).WithName(name), property);
        output.WriteLine($"{name}: {tests:N0} inputs in {watch.Elapsed.TotalSeconds:0.00} s, all passed (FsCheck, seed random per run)");
    }

    [Fact]
    public void NipValidateNeverThrowsAndWhatItAcceptsIsEighteenDigitsThatValidateAgain() =>
        Check("Nip.Validate", Prop.ForAll(Arb.From(Fuzz.NipLike), input =>
        {
            var result = Nip.Validate(input, Today);
            if (!result.IsValid)
            {
                var (id, en) = Nip.Message(result.Error!.Value);
                return result.Normalized is null && id.Length > 0 && en.Length > 0;
            }

            var again = Nip.Validate(result.Normalized, Today);
            return result.Normalized!.Length == 18 && result.Normalized.All(char.IsAsciiDigit) && again.IsValid && again.Normalized == result.Normalized;
        }));

    [Fact]
    public void NipSeparatorsNeverChangeTheNormalizedValue()
    {
        var gen = Gen.Choose(0, 5000).SelectMany(i => Gen.Elements(" ", ".", "-", "\u00A0", "\t").ArrayOf(18).Select(seps => (Nip: Support.Forms.Nip(i), Seps: seps)));
        Check("Nip.Validate separators", Prop.ForAll(Arb.From(gen), x =>
        {
            var spaced = string.Concat(x.Nip.Select((c, i) => c + (i % 3 == 0 ? x.Seps[i] : "")));
            var plain = Nip.Validate(x.Nip, Today);
            var separated = Nip.Validate(spaced, Today);
            return plain.IsValid == separated.IsValid && plain.Normalized == separated.Normalized;
        }));
    }

    [Fact]
    public void IndonesianPhoneNormalizeNeverThrowsAndItsE164IsStable() =>
        Check("IndonesianPhone.Normalize", Prop.ForAll(Arb.From(Fuzz.PhoneLike), input =>
        {
            var result = IndonesianPhone.Normalize(input);
            if (!result.IsValid)
            {
                var (id, en) = IndonesianPhone.Message(result.Error!.Value);
                return result.E164 is null && id.Length > 0 && en.Length > 0;
            }

            return result.E164!.StartsWith("+62", StringComparison.Ordinal) && result.E164[1..].All(char.IsAsciiDigit) && IndonesianPhone.Normalize(result.E164).E164 == result.E164;
        }));

    [Fact]
    public void RegistrationValidatorNeverThrowsAndAcceptsOnlyCleanBoundedValues()
    {
        var valid = Support.Forms.ValidRegistration();
        var field = Gen.Elements(RegistrationFields);
        var mutation = Gen.Frequency(
            (5, field.SelectMany(f => Fuzz.NastyString.Select(v => (f, (string?)v)))),
            (1, field.Select(f => (f, (string?)null))),
            (2, Gen.Constant(("nip", (string?)null)).SelectMany(_ => Fuzz.NipLike.Select(v => ("nip", (string?)v)))),
            (2, Gen.Constant(("phone", (string?)null)).SelectMany(_ => Fuzz.PhoneLike.Select(v => ("phone", (string?)v)))),
            (2, Gen.Constant(("email", (string?)null)).SelectMany(_ => Fuzz.EmailLike.Select(v => ("email", (string?)v)))));
        var gen = Gen.Choose(0, 4).SelectMany(n => mutation.ListOf(n)).Select(mutations =>
        {
            var fields = new Dictionary<string, string?>(valid.Select(kv => KeyValuePair.Create(kv.Key, (string?)kv.Value)));
            foreach (var (name, value) in mutations)
            {
                fields[name] = value;
            }

            return fields;
        });
        Check("RegistrationValidator.Validate", Prop.ForAll(Arb.From(gen), fields =>
        {
            var form = FormOf(fields);
            var (value, errors) = RegistrationValidator.Validate(form, CycleDefinitionValidator.CentralKalimantanRegencies, Today);
            if (value is null)
            {
                return errors.Count > 0 && errors.All(e => RegistrationFields.Contains(e.Field) && e.Message.Length > 0 && e.MessageEn.Length > 0);
            }

            return errors.Count == 0
                && value.FullName.Length is > 0 and <= 200 && !value.FullName.Any(char.IsControl)
                && value.Agency.Length is > 0 and <= 200 && !value.Agency.Any(char.IsControl)
                && value.Position.Length is > 0 and <= 200 && !value.Position.Any(char.IsControl)
                && (value.Rank is null || (value.Rank.Length <= 100 && !value.Rank.Any(char.IsControl)))
                && value.Nip.Length == 18 && value.Phone.StartsWith("+62", StringComparison.Ordinal)
                && InviteeImport.IsEmail(value.Email) && value.Email == value.Email.ToLowerInvariant();
        }));
    }

    [Fact]
    public void InviteeCsvParserNeverThrowsAndIsAllOrNothing()
    {
        var cell = Gen.Frequency((3, Fuzz.NastyString), (2, Fuzz.EmailLike), (1, Fuzz.NipLike), (1, Fuzz.PhoneLike), (1, Gen.Elements("id", "en", "EN", "inggris", "jawa", "")));
        var header = Gen.Elements("email", "Email", "E-MAIL", "surel", "nama", "name", "nip", "telepon", "hp", "instansi", "bahasa", "x", "", "\"email\"", "email ").ListOf().Select(h => h.ToArray());
        var gen = Gen.Frequency(
            (3, Gen.Zip(Gen.Zip(header, cell.ArrayOf().ArrayOf()), Gen.Zip(Gen.Elements(",", ";", "\t", "|"), Gen.Elements("\n", "\r\n", "\r"))).Select(x =>
                string.Join(x.Item2.Item2, new[] { string.Join(x.Item2.Item1, x.Item1.Item1) }.Concat(x.Item1.Item2.Select(row => string.Join(x.Item2.Item1, row.Select(Quote))))))),
            (2, Fuzz.RandomText),
            (1, Gen.Elements(NastyInputs.Bodies().Where(b => b.Bytes.Length < 100_000).Select(b => Encoding.UTF8.GetString(b.Bytes)).ToArray())));
        Check("InviteeImport.ParseCsv", Prop.ForAll(Arb.From(gen), text =>
        {
            // Bodies reach the parser decoded from UTF-8, so a lone surrogate can never arrive: round-trip like the server.
            var (rows, errors) = InviteeImport.ParseCsv(Fuzz.Utf8RoundTrip(text), Today);
            return WellFormed(rows, errors);
        }), 5_000);
    }

    [Fact]
    public void InviteeJsonParserNeverThrowsAndIsAllOrNothing()
    {
        var value = Gen.Frequency(
            (4, Fuzz.NastyString.Select(s => (object?)s)),
            (2, Fuzz.EmailLike.Select(s => (object?)s)),
            (1, Gen.Constant((object?)null)),
            (1, ArbMap.Default.GeneratorFor<int>().Select(i => (object?)i)),
            (1, ArbMap.Default.GeneratorFor<bool>().Select(b => (object?)b)));
        var item = Gen.Elements("email", "name", "fullName", "nip", "phone", "agency", "language", "x").ArrayOf().SelectMany(keys =>
            value.ArrayOf(keys.Length).Select(values => keys.Zip(values).DistinctBy(kv => kv.First).ToDictionary(kv => kv.First, kv => kv.Second)));
        var json = Gen.Frequency(
            (4, item.ListOf().Select(items => JsonSerializer.Serialize(items))),
            (1, item.ListOf().Select(items => JsonSerializer.Serialize(new { invitees = items }))),
            (1, value.Select(v => JsonSerializer.Serialize(v))),
            (1, Fuzz.RandomText),
            (1, Gen.Elements("[", "{", "[{\"email\":\"a\\ud800@example.org\"}]", "[{\"email\": \"\\udfff\"}]", new string('[', 5000), "{\"invitees\": 5}", "[1,2,3]", "null", "[null]", "\"\"")));
        Check("InviteeImport.ParseJson", Prop.ForAll(Arb.From(json), text =>
        {
            var (rows, errors) = InviteeImport.ParseJson(Fuzz.Utf8RoundTrip(text), Today);
            return WellFormed(rows, errors);
        }), 5_000);
    }

    [Fact]
    public void CycleDefinitionValidatorNeverThrowsAndAcceptsOnlyConsistentSchedules()
    {
        var now = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var gen = DefinitionGen(now);
        Check("CycleDefinitionValidator.Validate", Prop.ForAll(Arb.From(gen), definition =>
        {
            var (schedule, errors) = CycleDefinitionValidator.Validate(definition, now);
            if (schedule is null)
            {
                return errors.Count > 0 && errors.All(e => e.Message.Length > 0 && e.MessageEn.Length > 0);
            }

            return errors.Count == 0 && schedule.RegistrationClosesAt > schedule.RegistrationOpensAt && schedule.RegistrationClosesAt > now
                && schedule.Sessions.Count > 0 && schedule.Sessions.All(s => s.EndsAt > s.StartsAt && s.StartsAt >= schedule.RegistrationClosesAt);
        }), 5_000);
    }

    /// <summary>Inputs the generated runs above found to crash the validator (each is reachable as JSON through POST /api/cycles).</summary>
    [Theory]
    [InlineData("certificate.numberFormat", null)]
    [InlineData("registrationClosesAt", "9999-12-31T23:59:59-07:00")]
    [InlineData("registrationOpensAt", "0000-01-01T00:00")]
    [InlineData("registrationOpensAt", "0001-01-01T00:00")]
    [InlineData("sessions[0].startsAt", "2027-01-01T08:00:00+18:00")]
    [InlineData("sessions[0].endsAt", "0001-01-01T00:00:00-14:00")]
    [InlineData("reminders.beforeDeadline[0]", "P99999999W")]
    [InlineData("reminders.beforeDeadline[0]", "P2147483647D")]
    [InlineData("reminders.beforeTraining[0]", "PT99999999999999H")]
    [InlineData("reminders.beforeTraining[0]", "PT9223372036854775807S")]
    public void CycleDefinitionValidatorReportsEdgeValuesAsFieldErrorsInsteadOfThrowing(string path, string? value)
    {
        var definition = DefinitionWith(path, value);

        var (schedule, errors) = CycleDefinitionValidator.Validate(definition, DateTimeOffset.UtcNow);

        Assert.Null(schedule);
        Assert.Contains(errors, e => e.Field.StartsWith(path.Split('[')[0], StringComparison.Ordinal) && e.Message.Length > 0 && e.MessageEn.Length > 0);
    }

    /// <summary>A JSON string escape that is not valid UTF-16 (a lone surrogate) must be a row error, not an exception.</summary>
    [Theory]
    [InlineData("[{\"email\":\"a\\ud800@example.org\"}]")]
    [InlineData("[{\"email\":\"siti@example.org\",\"name\":\"\\udfff\"}]")]
    [InlineData("{\"invitees\":[{\"email\":\"siti@example.org\",\"agency\":\"\\ud83d\"}]}")]
    public void InviteeJsonWithALoneSurrogateEscapeIsARowErrorNotAnException(string json)
    {
        var (rows, errors) = InviteeImport.ParseJson(json, Today);

        Assert.Empty(rows);
        Assert.NotEmpty(errors);
    }

    /// <summary>The README's own definition with one JSON value replaced, deserialized exactly as POST /api/cycles does.</summary>
    internal static CycleDefinition DefinitionWith(string path, string? value)
    {
        var json = Support.CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600);
        System.Text.Json.Nodes.JsonNode node = json;
        var parts = path.Replace("[", ".", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal).Split('.');
        for (var i = 0; i < parts.Length - 1; i++)
        {
            node = int.TryParse(parts[i], out var index) ? node[index]! : node[parts[i]]!;
        }

        var last = parts[^1];
        if (int.TryParse(last, out var at))
        {
            node[at] = value;
        }
        else
        {
            node[last] = value;
        }

        return JsonSerializer.Deserialize<CycleDefinition>(json.ToJsonString(), Infrastructure.Http.Json)!;
    }

    [Fact]
    public void TokensNeverThrowAndAnyChangedCharacterIsRefused()
    {
        var tokens = new Tokens(Options.Create(new TrainingCyclesOptions { TokenSigningKey = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i * 7 + 1)).ToArray()) }), TimeProvider.System);
        var valid = tokens.Create(TokenPurpose.CheckIn, "cabcdefghijkm", "p" + new string('a', 20), DateTimeOffset.UtcNow.AddDays(1));
        var garbage = Gen.Frequency((3, Fuzz.NastyString), (1, Fuzz.RandomText.Select(s => valid[..(valid.Length / 2)] + s)));
        Check("Tokens.Validate (garbage)", Prop.ForAll(Arb.From(garbage), token =>
            tokens.Validate(token, TokenPurpose.CheckIn, out var claims) != TokenProblem.None || claims is not null));

        var edits = Gen.Zip(Gen.Choose(0, valid.Length - 1), Gen.Elements("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ".ToCharArray()));
        Check("Tokens.Validate (one character changed)", Prop.ForAll(Arb.From(edits), edit =>
        {
            var (at, c) = edit;
            if (valid[at] == c)
            {
                return true;
            }

            var tampered = valid[..at] + c + valid[(at + 1)..];
            // Base64url's last character carries spare bits: a change there may decode to the same bytes, which is
            // the same token, not a forgery. Anything that decodes differently must be refused.
            var same = Decodes(tampered) is { } bytes && bytes.SequenceEqual(Decodes(valid)!);
            return same || tokens.Validate(tampered, TokenPurpose.CheckIn, out _) != TokenProblem.None;
        }), 3_000);
    }

    [Fact]
    public void SessionCodeNormalizeNeverThrows() =>
        Check("SessionCodes.Normalize", Prop.ForAll(Arb.From(Fuzz.NastyString), input => SessionCodes.Normalize(input) is not null));

    private static byte[]? Decodes(string token)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        try
        {
            return dot <= 0 ? null : [.. System.Buffers.Text.Base64Url.DecodeFromChars(token.AsSpan(0, dot)), 0, .. System.Buffers.Text.Base64Url.DecodeFromChars(token.AsSpan(dot + 1))];
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool WellFormed(IReadOnlyList<InviteeRow> rows, IReadOnlyList<RowError> errors) =>
        errors.All(e => e.Message.Length > 0 && e.MessageEn.Length > 0) &&
        rows.All(r => InviteeImport.IsEmail(r.Email) && r.Language is "id" or "en" && (r.FullName?.Length ?? 0) <= 200 && (r.Agency?.Length ?? 0) <= 200
                      && !(r.FullName ?? "").Any(char.IsControl) && (r.Nip is null || r.Nip.Length == 18) && (r.Phone is null || r.Phone.StartsWith("+62", StringComparison.Ordinal))) &&
        rows.Select(r => r.Email).Distinct(StringComparer.Ordinal).Count() == rows.Count &&
        rows.Count <= InviteeImport.MaxRows;

    private static string Quote(string cell) => cell.Contains('"', StringComparison.Ordinal) || cell.Length % 3 == 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;

    internal static RegistrationForm FormOf(IReadOnlyDictionary<string, string?> fields)
    {
        // What the form reader keeps of each field: plain text, one line, at most 1,000 characters.
        string Get(string name) => PlainText.Line(fields.GetValueOrDefault(name), 1000);
        return new RegistrationForm
        {
            FullName = Get("fullName"),
            Nip = Get("nip"),
            Email = Get("email"),
            Phone = Get("phone"),
            Agency = Get("agency"),
            AgencyLevel = Get("agencyLevel"),
            Regency = Get("regency"),
            Position = Get("position"),
            Rank = Get("rank"),
            Consent = fields.GetValueOrDefault("consent") is "yes" or "on" or "true",
            Language = Get("language") == "en" ? "en" : "id",
        };
    }

    /// <summary>Time-ish strings: valid ones near <paramref name="now"/>, and every edge of ISO-8601 and the calendar.</summary>
    internal static Gen<string?> TimeGen(DateTimeOffset now) => Gen.Frequency(
        (6, Gen.Choose(-48, 24 * 60).Select(h => (string?)now.AddHours(h).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture))),
        (2, Gen.Choose(-48, 24 * 60).Select(h => (string?)now.AddHours(h).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture))),
        (4, Gen.Elements<string?>(
            null, "", " ", "0000-01-01T00:00", "0001-01-01T00:00", "0001-01-01T00:00:00+07:00", "0001-01-01T00:00:00-14:00", "9999-12-31T23:59", "9999-12-31T23:59:59-07:00",
            "2027-01-01T08:00:00+18:00", "2027-01-01T08:00:00-18:00", "2027-01-01T08:00:00+14:01", "2027-01-01T08:00:00+05:30:17", "2027-01-01T08:00+07", "-0001-01-01T00:00",
            "2027-02-30T08:00", "2027-12-07T24:00", "2027-12-07T23:59:60", "2027-12-07", "08:00", "2027-12-07T08:00:00.123456789+07:00", "2027-W50-1T08:00",
            "20271207T0800", "2027-12-07 08:00", "2027-12-07T08:00 WIB", "P3D", "now", "tomorrow", "1765000000", "2027-12-07T08:00:00+07:00\0")),
        (1, Fuzz.NastyString.Select(s => (string?)s)));

    internal static Gen<string?> PeriodGen => Gen.Frequency(
        (4, Gen.Elements<string?>("P3D", "P1D", "PT2H", "PT1S", "P1W", "PT90M")),
        (3, Gen.Elements<string?>(null, "", "P", "PT", "P0D", "PT0S", "-P1D", "PT-1H", "P1Y", "P1M", "P1DT", "P91D", "P13W", "PT2160H", "PT2160H1S",
            "P99999999W", "P2147483647D", "PT9223372036854775807S", "PT99999999999999H", "P1.5D", "PT1.5H", "p3d", "3 days", "P3D\0", "P-0D")),
        (1, Fuzz.NastyString.Select(s => (string?)s)));

    internal static Gen<CycleDefinition> DefinitionGen(DateTimeOffset now)
    {
        var text = Gen.Frequency((4, Gen.Elements<string?>("Pelatihan Dasar", "BPSDM Kalteng", "Aula BPSDM")), (2, Fuzz.NastyString.Select(s => (string?)s)), (1, Gen.Constant<string?>(null)));
        var session = Gen.Zip(Gen.Zip(text, text), Gen.Zip(TimeGen(now), TimeGen(now))).Select(x => new SessionDefinition { Id = x.Item1.Item1, Title = x.Item1.Item2, StartsAt = x.Item2.Item1, EndsAt = x.Item2.Item2 });
        var goodSession = Gen.Choose(1, 200).Select(h => new SessionDefinition
        {
            Id = "s" + h,
            Title = "Hari",
            StartsAt = now.AddDays(30).AddHours(h * 25).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture),
            EndsAt = now.AddDays(30).AddHours(h * 25 + 8).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture),
        });
        var sessions = Gen.Frequency(
            (3, goodSession.ListOf(3).Select(l => (IReadOnlyList<SessionDefinition>?)l.DistinctBy(s => s.Id).ToList())),
            (3, Gen.Frequency((3, session), (1, Gen.Constant<SessionDefinition>(null!))).ListOf().Select(l => (IReadOnlyList<SessionDefinition>?)l.ToList())),
            (1, Gen.Constant<IReadOnlyList<SessionDefinition>?>(null)));
        var periods = Gen.Frequency((3, PeriodGen.ListOf().Select(l => (IReadOnlyList<string>?)l.Select(p => p!).ToList())), (1, Gen.Constant<IReadOnlyList<string>?>(null)));
        var certificate = Gen.Zip(
            Gen.Zip(Gen.Elements<string>("{seq:000}/BPSDM-KT/{yyyy}", "{seq}", "", "no seq", "{seq:0000000000}", "{seq}{code}{MM}{yyyy}{x}", null!, new string('{', 100)), ArbMap.Default.GeneratorFor<int>()),
            Gen.Zip(text, Gen.Elements<string?>(null, "#1F4E79", "#12345", "red", "#GGGGGG", "198503122010012005", "1985 0312 2010 0120 05", "x"))).Select(x => new CertificateSettings
            {
                NumberFormat = x.Item1.Item1,
                TrainingHours = x.Item1.Item2,
                SignatoryName = x.Item2.Item1,
                SignatoryTitle = x.Item2.Item1,
                SignatoryNip = x.Item2.Item2,
                AccentColor = x.Item2.Item2,
            });
        var ints = ArbMap.Default.GeneratorFor<int>();
        var checkIn = Gen.Zip(ints, Gen.Zip(ints, ints)).Select(x => new CheckInSettings { OpensMinutesBeforeStart = x.Item1, ClosesMinutesAfterStart = x.Item2.Item1, LateAfterMinutes = x.Item2.Item2 });
        var regencies = Gen.Frequency((3, Gen.Constant<IReadOnlyList<string>?>(null)), (1, Fuzz.NastyString.ListOf().Select(l => (IReadOnlyList<string>?)l.ToList())));
        var head = Gen.Zip(Gen.Zip(text, text), Gen.Zip(text, Gen.Elements<string?>(null, "", "Asia/Jakarta", "Asia/Makassar", "UTC", "Etc/GMT+12", "Asia/Atlantis", "../../etc/localtime", "Asia/Jakarta\0")));
        var middle = Gen.Zip(Gen.Zip(ArbMap.Default.GeneratorFor<int?>(), Gen.Zip(TimeGen(now), TimeGen(now))), Gen.Zip(sessions, Gen.Zip(periods, periods)));
        var tail = Gen.Zip(Gen.Zip(certificate, checkIn), Gen.Zip(regencies, Gen.Zip(ints, text)));
        return Gen.Zip(Gen.Zip(head, middle), tail).Select(y => (Item1: y.Item1.Item1, Item2: y.Item1.Item2, Item3: y.Item2)).Select(x => new CycleDefinition
            {
                Title = x.Item1.Item1.Item1,
                OrganizerName = x.Item1.Item1.Item2,
                Venue = x.Item1.Item2.Item1,
                TimeZone = x.Item1.Item2.Item2,
                Capacity = x.Item2.Item1.Item1,
                RegistrationOpensAt = x.Item2.Item1.Item2.Item1,
                RegistrationClosesAt = x.Item2.Item1.Item2.Item2,
                Sessions = x.Item2.Item2.Item1,
                Reminders = new ReminderOffsets { BeforeDeadline = x.Item2.Item2.Item2.Item1, BeforeTraining = x.Item2.Item2.Item2.Item2 },
                Certificate = x.Item3.Item1.Item1,
                CheckIn = x.Item3.Item1.Item2,
                Regencies = x.Item3.Item2.Item1,
                Completion = new CompletionRule { MinimumAttendancePercent = x.Item3.Item2.Item2.Item1 },
                Description = x.Item3.Item2.Item2.Item2,
            });
    }
}
