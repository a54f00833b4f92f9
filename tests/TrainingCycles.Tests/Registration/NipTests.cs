using TrainingCycles.Cycles;

namespace TrainingCycles.Tests.Registration;

public sealed class NipTests
{
    private static readonly DateOnly Today = new(2025, 6, 15);

    [Theory]
    [InlineData("198503122010012005", "198503122010012005", "1985-03-12", 2010, 1, '2')]
    [InlineData("19850312 201001 2 005", "198503122010012005", "1985-03-12", 2010, 1, '2')]
    [InlineData("  19850312  201001  2  005  ", "198503122010012005", "1985-03-12", 2010, 1, '2')]
    [InlineData("19700101.199503.1.001", "197001011995031001", "1970-01-01", 1995, 3, '1')]
    [InlineData("19791231-200312-1-999", "197912312003121999", "1979-12-31", 2003, 12, '1')]
    [InlineData("19850312\u00A0201001\t2\u00A0005", "198503122010012005", "1985-03-12", 2010, 1, '2')]
    [InlineData("198802292012031001", "198802292012031001", "1988-02-29", 2012, 3, '1')] // leap year
    [InlineData("200002292020011002", "200002292020011002", "2000-02-29", 2020, 1, '1')] // 2000 is a leap year (÷400)
    [InlineData("194001011960011001", "194001011960011001", "1940-01-01", 1960, 1, '1')] // earliest birth year
    [InlineData("201012312025011001", "201012312025011001", "2010-12-31", 2025, 1, '1')] // latest birth year (today.Year - 15)
    [InlineData("199001012005011001", "199001012005011001", "1990-01-01", 2005, 1, '1')] // appointed in the year of turning 15
    [InlineData("198503122025062005", "198503122025062005", "1985-03-12", 2025, 6, '2')] // appointed this month
    public void AcceptsValidNips(string input, string normalized, string birth, int year, int month, char gender)
    {
        var result = Nip.Validate(input, Today);

        Assert.Equal(new NipResult(true, normalized, null, DateOnly.Parse(birth, System.Globalization.CultureInfo.InvariantCulture), year, month, gender), result);
    }

    [Theory]
    [InlineData(null, NipError.Missing)]
    [InlineData("", NipError.Missing)]
    [InlineData("   ", NipError.Missing)]
    [InlineData("\t\n", NipError.Missing)]
    [InlineData(" - . ", NipError.Missing)]
    [InlineData("19850312201001200", NipError.WrongLength)] // 17 digits
    [InlineData("1985031220100120051", NipError.WrongLength)] // 19 digits
    [InlineData("19850312 201001 2 05", NipError.WrongLength)]
    [InlineData("198503122010", NipError.WrongLength)]
    [InlineData("19850312201001200A", NipError.NotDigits)]
    [InlineData("NIP 198503122010012005", NipError.NotDigits)]
    [InlineData("l98503122010012005", NipError.NotDigits)] // lowercase L for 1
    [InlineData("1985O3122010012005", NipError.NotDigits)] // letter O for 0
    [InlineData("19850312/201001/2/005", NipError.NotDigits)]
    [InlineData("+198503122010012005", NipError.NotDigits)]
    [InlineData("١٩٨٥٠٣١٢٢٠١٠٠١٢٠٠٥", NipError.NotDigits)] // Arabic-Indic digits
    [InlineData("۱۹۸۵۰۳۱۲۲۰۱۰۰۱۲۰۰۵", NipError.NotDigits)] // Extended Arabic-Indic (Persian) digits
    [InlineData("１９８５０３１２２０１００１２００５", NipError.NotDigits)] // fullwidth digits
    [InlineData("198702292012031001", NipError.InvalidBirthDate)] // Feb 29 in a non-leap year
    [InlineData("190002292012031001", NipError.InvalidBirthDate)] // 1900 is not a leap year (and too early)
    [InlineData("198513012010011001", NipError.InvalidBirthDate)] // month 13
    [InlineData("198500122010011001", NipError.InvalidBirthDate)] // month 00
    [InlineData("198503002010011001", NipError.InvalidBirthDate)] // day 00
    [InlineData("198504312010011001", NipError.InvalidBirthDate)] // 31 April
    [InlineData("193912312010011001", NipError.InvalidBirthDate)] // before 1940
    [InlineData("201101012025011001", NipError.InvalidBirthDate)] // younger than 15 today
    [InlineData("000000002010011001", NipError.InvalidBirthDate)]
    [InlineData("198503122010131001", NipError.InvalidAppointmentDate)] // appointment month 13
    [InlineData("198503122010001001", NipError.InvalidAppointmentDate)] // appointment month 00
    [InlineData("198503122025071001", NipError.InvalidAppointmentDate)] // next month relative to today
    [InlineData("198503122026011001", NipError.InvalidAppointmentDate)] // next year
    [InlineData("199001012004121001", NipError.AppointmentBeforeAdulthood)] // appointed in the year of turning 14
    [InlineData("198503121985031001", NipError.AppointmentBeforeAdulthood)] // appointed at birth
    [InlineData("198503121999121001", NipError.AppointmentBeforeAdulthood)] // appointed at 14 (year 1999 < 1985 + 15)
    [InlineData("198503121984011001", NipError.AppointmentBeforeAdulthood)] // appointed before birth
    [InlineData("198503122010010005", NipError.InvalidGender)]
    [InlineData("198503122010013005", NipError.InvalidGender)]
    [InlineData("198503122010019005", NipError.InvalidGender)]
    [InlineData("198503122010012000", NipError.InvalidSequence)]
    [InlineData("19850312 201001 1 000", NipError.InvalidSequence)]
    public void RejectsInvalidNips(string? input, NipError expected)
    {
        var result = Nip.Validate(input, Today);

        Assert.Equal(new NipResult(false, null, expected, null, null, null, null), result);
    }

    [Fact]
    public void ReportsTheFirstWrongSegmentLeftToRight()
    {
        // Bad birth date, appointment, gender and sequence at once: the birth date is reported.
        Assert.Equal(NipError.InvalidBirthDate, Nip.Validate("198513002010130000", Today).Error);
        Assert.Equal(NipError.InvalidAppointmentDate, Nip.Validate("198503122010130000", Today).Error);
        Assert.Equal(NipError.InvalidGender, Nip.Validate("198503122010010000", Today).Error);
    }

    [Fact]
    public void UsesTheGivenDayNotTheClock()
    {
        const string nip = "198503122025071001"; // appointed July 2025

        Assert.Equal(NipError.InvalidAppointmentDate, Nip.Validate(nip, new DateOnly(2025, 6, 30)).Error);
        Assert.True(Nip.Validate(nip, new DateOnly(2025, 7, 1)).IsValid);
        Assert.Equal(NipError.InvalidBirthDate, Nip.Validate("201001012025011001", new DateOnly(2024, 12, 31)).Error);
    }

    [Fact]
    public void ValidatesTheBirthDateAsATrueCalendarDateAcrossLeapYears()
    {
        Assert.True(Nip.Validate("199602292016031001", Today).IsValid);
        Assert.Equal(NipError.InvalidBirthDate, Nip.Validate("199702292016031001", Today).Error);
        Assert.Equal(NipError.InvalidBirthDate, Nip.Validate("199602302016031001", Today).Error);
    }

    [Fact]
    public void HasAnIndonesianAndEnglishMessageForEveryError()
    {
        var messages = Enum.GetValues<NipError>().Select(Nip.Message).ToList();

        Assert.All(messages, m =>
        {
            Assert.False(string.IsNullOrWhiteSpace(m.Id));
            Assert.False(string.IsNullOrWhiteSpace(m.En));
            Assert.NotEqual(m.Id, m.En);
        });
        Assert.Equal(messages.Count, messages.Select(m => m.Id).Distinct().Count());
        Assert.Equal(messages.Count, messages.Select(m => m.En).Distinct().Count());
        Assert.Equal(("NIP harus 18 digit angka.", "NIP must be 18 digits."), Nip.Message(NipError.WrongLength));
        Assert.Equal("8 digit pertama NIP (tanggal lahir) bukan tanggal yang valid.", Nip.Message(NipError.InvalidBirthDate).Id);
        Assert.Throws<ArgumentOutOfRangeException>(() => Nip.Message((NipError)99));
    }
}
