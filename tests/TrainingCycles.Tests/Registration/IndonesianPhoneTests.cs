using TrainingCycles.Cycles;

namespace TrainingCycles.Tests.Registration;

public sealed class IndonesianPhoneTests
{
    [Theory]
    [InlineData("0812-3456-7890", "+6281234567890")]
    [InlineData("0812 3456 789", "+628123456789")]
    [InlineData("+62 812 3456 7890", "+6281234567890")]
    [InlineData("6281234567890", "+6281234567890")]
    [InlineData("62 812-3456-7890", "+6281234567890")]
    [InlineData("(0812) 345-6789", "+628123456789")]
    [InlineData("+6281234567890", "+6281234567890")]
    [InlineData("  081234567890  ", "+6281234567890")]
    [InlineData("0812.3456.7890", "+6281234567890")]
    [InlineData("+62 (812) 3456-7890", "+6281234567890")]
    [InlineData("+62 0812 3456 7890", "+6281234567890")] // trunk 0 kept after +62, a common way of writing it
    [InlineData("0857-1234-5678", "+6285712345678")]
    [InlineData("0896 1234 5678", "+6289612345678")]
    [InlineData("0881-1234-5678", "+6288112345678")]
    public void NormalisesIndonesianMobileNumbersToE164(string input, string e164)
    {
        Assert.Equal(new PhoneResult(true, e164, null), IndonesianPhone.Normalize(input));
    }

    [Theory]
    [InlineData(null, PhoneError.Missing)]
    [InlineData("", PhoneError.Missing)]
    [InlineData("   ", PhoneError.Missing)]
    [InlineData("0812-ABCD-7890", PhoneError.NotANumber)]
    [InlineData("0812-FLOWERS", PhoneError.NotANumber)] // not read as a vanity number
    [InlineData("nomor saya 081234567890", PhoneError.NotANumber)]
    [InlineData("081234567890 ext. 12", PhoneError.NotANumber)]
    [InlineData("0812+34567890", PhoneError.NotANumber)]
    [InlineData("+-()", PhoneError.NotANumber)]
    [InlineData("٠٨١٢٣٤٥٦٧٨٩٠", PhoneError.NotANumber)] // Arabic-Indic digits
    [InlineData("０８１２３４５６７８９０", PhoneError.NotANumber)] // fullwidth digits
    [InlineData("+1 650 253 0000", PhoneError.NotIndonesian)]
    [InlineData("+44 20 7946 0958", PhoneError.NotIndonesian)]
    [InlineData("+65 9123 4567", PhoneError.NotIndonesian)] // Singapore mobile
    [InlineData("+60 12-345 6789", PhoneError.NotIndonesian)] // Malaysia mobile
    [InlineData("+999 1234 5678", PhoneError.NotIndonesian)] // no such country code
    [InlineData("021-5551234", PhoneError.NotMobile)] // Jakarta landline
    [InlineData("(021) 5551 2345", PhoneError.NotMobile)]
    [InlineData("+62 21 5551234", PhoneError.NotMobile)]
    [InlineData("0812345", PhoneError.Invalid)] // too short
    [InlineData("0812", PhoneError.Invalid)]
    [InlineData("0812-3456-7890-1234", PhoneError.Invalid)] // too long
    [InlineData("+62", PhoneError.Invalid)]
    [InlineData("0", PhoneError.Invalid)]
    public void RejectsWithTheRightError(string? input, PhoneError expected)
    {
        Assert.Equal(new PhoneResult(false, null, expected), IndonesianPhone.Normalize(input));
    }

    [Fact]
    public void IsSafeToCallFromManyThreads()
    {
        var results = Enumerable.Range(0, 200).AsParallel()
            .Select(i => IndonesianPhone.Normalize($"0812-3456-{i:0000}").E164)
            .ToList();

        Assert.All(results, Assert.NotNull);
        Assert.Equal(200, results.Distinct().Count());
    }

    [Fact]
    public void HasAnIndonesianAndEnglishMessageForEveryError()
    {
        var messages = Enum.GetValues<PhoneError>().Select(IndonesianPhone.Message).ToList();

        Assert.All(messages, m =>
        {
            Assert.False(string.IsNullOrWhiteSpace(m.Id));
            Assert.False(string.IsNullOrWhiteSpace(m.En));
            Assert.NotEqual(m.Id, m.En);
        });
        Assert.Equal(messages.Count, messages.Select(m => m.Id).Distinct().Count());
        Assert.Contains("+62", IndonesianPhone.Message(PhoneError.NotIndonesian).Id, StringComparison.Ordinal);
        Assert.Contains("+62", IndonesianPhone.Message(PhoneError.NotIndonesian).En, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => IndonesianPhone.Message((PhoneError)99));
    }
}
