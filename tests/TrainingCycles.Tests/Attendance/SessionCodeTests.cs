using System.Security.Cryptography;
using TrainingCycles.Attendance;

namespace TrainingCycles.Tests.Attendance;

public sealed class SessionCodeTests
{
    private static readonly string Secret = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly string OtherSecret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    // 09:00:30 UTC: the middle of a step, so "one step back" and "two steps back" are unambiguous.
    private static readonly DateTimeOffset At = new(2026, 12, 7, 1, 0, 30, TimeSpan.Zero);

    [Fact]
    public void CurrentCodeIsSixDigitsAndValidForItsWholeStep()
    {
        var code = SessionCodes.Current(Secret, "s1", At);

        Assert.Matches("^[0-9]{6}$", code.Code);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero), code.ValidFrom);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 1, 1, 0, TimeSpan.Zero), code.ValidUntil);
        Assert.Equal(code.ValidUntil.AddMinutes(1), code.AcceptedUntil);
        Assert.Equal(code.Code, SessionCodes.Current(Secret, "s1", code.ValidFrom).Code);
        Assert.Equal(code.Code, SessionCodes.Current(Secret, "s1", code.ValidUntil.AddTicks(-1)).Code);
        Assert.True(SessionCodes.Verify(Secret, "s1", code.Code, At));
    }

    [Fact]
    public void PreviousStepsCodeIsStillAcceptedButTwoStepsBackIsNot()
    {
        var previous = SessionCodes.Current(Secret, "s1", At.AddSeconds(-60)).Code;
        var twoBack = SessionCodes.Current(Secret, "s1", At.AddSeconds(-120)).Code;

        Assert.True(SessionCodes.Verify(Secret, "s1", previous, At));
        Assert.False(SessionCodes.Verify(Secret, "s1", twoBack, At));
    }

    [Fact]
    public void ACodeForwardedByChatStopsWorkingWithinTwoMinutes()
    {
        var code = SessionCodes.Current(Secret, "s1", At);

        Assert.True(SessionCodes.Verify(Secret, "s1", code.Code, code.AcceptedUntil.AddTicks(-1)));
        Assert.False(SessionCodes.Verify(Secret, "s1", code.Code, code.AcceptedUntil));
    }

    [Fact]
    public void ACodeOfAnotherCycleOrAnotherSessionIsRefused()
    {
        var otherCycle = SessionCodes.Current(OtherSecret, "s1", At).Code;
        var otherSession = SessionCodes.Current(Secret, "s2", At).Code;
        var mine = SessionCodes.Current(Secret, "s1", At).Code;

        Assert.NotEqual(mine, otherCycle);
        Assert.NotEqual(mine, otherSession);
        Assert.False(SessionCodes.Verify(Secret, "s1", otherCycle, At));
        Assert.False(SessionCodes.Verify(Secret, "s1", otherSession, At));
    }

    [Fact]
    public void CodesFollowTheRfc4226TruncationOverHmacSha256()
    {
        // Recomputed independently here: HMAC-SHA256(secret, "s1|<step>"), 31 bits at the offset of the last nibble.
        var step = At.ToUnixTimeSeconds() / 60;
        var hash = HMACSHA256.HashData(Convert.FromBase64String(Secret), System.Text.Encoding.UTF8.GetBytes($"s1|{step}"));
        var offset = hash[^1] & 0xF;
        var value = ((hash[offset] & 0x7F) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];

        Assert.Equal((value % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture), SessionCodes.Current(Secret, "s1", At).Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12a456")]
    [InlineData(null)]
    public void MalformedInputIsNeverAccepted(string? input) => Assert.False(SessionCodes.Verify(Secret, "s1", input, At));

    [Theory]
    [InlineData("123 456", "123456")]
    [InlineData(" 123-456 ", "123456")]
    [InlineData("１２３４５６", "123456")]
    public void PeopleMayTypeSpacesOrAHyphen(string typed, string normalized) => Assert.Equal(normalized, SessionCodes.Normalize(typed));

    [Fact]
    public void CodesSpreadOverAllDigits()
    {
        var codes = Enumerable.Range(0, 2000).Select(i => SessionCodes.Compute(Convert.FromBase64String(Secret), "s1", i)).ToList();

        Assert.True(codes.Distinct().Count() > 1990);
        Assert.Contains(codes, c => c.StartsWith('0'));
    }
}
