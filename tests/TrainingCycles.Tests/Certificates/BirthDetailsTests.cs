using TrainingCycles.Cycles;
using TrainingCycles.Registration;

namespace TrainingCycles.Tests.Certificates;

/// <summary>#22: place and date of birth, optional, checked the same way by the invitee import and the registration form.</summary>
public sealed class BirthDetailsTests
{
    private static readonly DateOnly Today = new(2026, 12, 2);

    [Fact]
    public void TheImportTakesPlaceAndDateOfBirthInEitherLanguageAndRefusesABadOrMismatchedDate()
    {
        const string csv = "email,nama,nip,tempat lahir,tanggal lahir\n"
            + "a@example.org,Siti,19850312 201001 2 005,Sampit,12/03/1985\n"
            + "b@example.org,Budi,,Palangka Raya,1985-02-30\n"
            + "c@example.org,Rina,19850312 201001 2 005,,1986-03-12\n"
            + "d@example.org,Dewi,,,\n";

        var parse = InviteeImport.ParseCsv(csv, Today, null);

        var siti = Assert.Single(parse.Rows, r => r.Email == "a@example.org");
        Assert.Equal(("Sampit", "1985-03-12"), (siti.BirthPlace, siti.BirthDate));
        var dewi = Assert.Single(parse.Rows, r => r.Email == "d@example.org");
        Assert.Equal((null, null), (dewi.BirthPlace, dewi.BirthDate));
        Assert.Equal(2, parse.Rows.Count);
        var bad = Assert.Single(parse.Errors, e => e.Line == 3);
        Assert.Equal("birthDate", bad.Field);
        Assert.Contains("1985-03-12", bad.MessageEn, StringComparison.Ordinal);
        var mismatch = Assert.Single(parse.Errors, e => e.Line == 4);
        Assert.Equal("birthDate", mismatch.Field);
        Assert.Contains("NIP", mismatch.Message, StringComparison.Ordinal);

        var json = InviteeImport.ParseJson("[{\"email\":\"e@example.org\",\"birthPlace\":\"Kuala Kurun\",\"birthDate\":\"1990-07-17\"}]", Today, null);
        Assert.Equal(("Kuala Kurun", "1990-07-17"), (Assert.Single(json.Rows).BirthPlace, json.Rows[0].BirthDate));
    }

    [Fact]
    public void TheRegistrationFormKeepsOptionalBirthDetailsAndRefusesWrongOnesInBothLanguages()
    {
        var form = new RegistrationForm
        {
            FullName = "Dr. Siti Aminah, S.Sos., M.Si.", Nip = "19850312 201001 2 005", Email = "siti@example.org", Phone = "081234567890",
            Agency = "Dinas Sosial", AgencyLevel = "provinsi", Position = "Pekerja Sosial Ahli Muda", Consent = true,
        };

        var (plain, plainErrors) = RegistrationValidator.Validate(form, CycleDefinitionValidator.CentralKalimantanRegencies, Today);
        Assert.Empty(plainErrors);
        Assert.Equal((null, null), (plain!.BirthPlace, plain.BirthDate));

        var (with, _) = RegistrationValidator.Validate(form with { BirthPlace = " Sampit ", BirthDate = "1985-03-12" }, CycleDefinitionValidator.CentralKalimantanRegencies, Today);
        Assert.Equal(("Sampit", "1985-03-12"), (with!.BirthPlace, with.BirthDate));

        var (refused, errors) = RegistrationValidator.Validate(form with { BirthPlace = new string('x', 101), BirthDate = "1985-04-12" }, CycleDefinitionValidator.CentralKalimantanRegencies, Today);
        Assert.Null(refused);
        Assert.Equal(["birthDate", "birthPlace"], errors.Select(e => e.Field).Order(StringComparer.Ordinal));
        Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message) || string.IsNullOrWhiteSpace(e.MessageEn) || e.Message == e.MessageEn));
    }
}
