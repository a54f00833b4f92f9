using TrainingCycles.Cycles;
using TrainingCycles.Registration;

namespace TrainingCycles.Tests.Evaluation;

/// <summary>#21: the direct superior, optional, named by the invitee import and the registration (and nomination) form, checked the same way.</summary>
public sealed class SuperiorDetailsTests
{
    private static readonly DateOnly Today = new(2026, 12, 2);

    [Fact]
    public void TheImportTakesTheSuperiorAndRefusesABadOrOwnEmail()
    {
        const string csv = "email,nama,nama atasan,email atasan\n"
            + "a@example.org,Siti,Drs. H. Yulianus Rante,Yulianus.Rante@Kalteng.example\n"
            + "b@example.org,Budi,Ir. Mardiana,bukan-email\n"
            + "c@example.org,Rina,,c@example.org\n"
            + "d@example.org,Dewi,,\n";

        var parse = InviteeImport.ParseCsv(csv, Today, null);

        var siti = Assert.Single(parse.Rows, r => r.Email == "a@example.org");
        Assert.Equal(("Drs. H. Yulianus Rante", "yulianus.rante@kalteng.example"), (siti.SuperiorName, siti.SuperiorEmail));
        var dewi = Assert.Single(parse.Rows, r => r.Email == "d@example.org");
        Assert.Equal((null, null), (dewi.SuperiorName, dewi.SuperiorEmail));
        Assert.Equal(2, parse.Rows.Count);
        Assert.Equal("superiorEmail", Assert.Single(parse.Errors, e => e.Line == 3).Field);
        Assert.Equal("superiorEmail", Assert.Single(parse.Errors, e => e.Line == 4).Field);
    }

    [Fact]
    public void TheRegistrationFormKeepsAnOptionalSuperiorAndRefusesWrongOnesInBothLanguages()
    {
        var form = new RegistrationForm
        {
            FullName = "Dr. Siti Aminah, S.Sos., M.Si.", Nip = "19850312 201001 2 005", Email = "siti@example.org", Phone = "081234567890",
            Agency = "Dinas Sosial", AgencyLevel = "provinsi", Position = "Pekerja Sosial Ahli Muda", Consent = true,
        };

        var (plain, plainErrors) = RegistrationValidator.Validate(form, CycleDefinitionValidator.CentralKalimantanRegencies, Today);
        Assert.Empty(plainErrors);
        Assert.Equal((null, null), (plain!.SuperiorName, plain.SuperiorEmail));

        var (with, _) = RegistrationValidator.Validate(form with { SuperiorName = " Ir. Mardiana ", SuperiorEmail = " Mardiana@Dinsos.example " }, CycleDefinitionValidator.CentralKalimantanRegencies, Today);
        Assert.Equal(("Ir. Mardiana", "mardiana@dinsos.example"), (with!.SuperiorName, with.SuperiorEmail));

        foreach (var (name, email, field) in new[] { (new string('x', 201), "", "superiorName"), ("Ir. Mardiana", "mardiana@", "superiorEmail"), ("", "SITI@example.org", "superiorEmail") })
        {
            var (refused, errors) = RegistrationValidator.Validate(form with { SuperiorName = name, SuperiorEmail = email }, CycleDefinitionValidator.CentralKalimantanRegencies, Today);
            Assert.Null(refused);
            var error = Assert.Single(errors);
            Assert.Equal(field, error.Field);
            Assert.False(string.IsNullOrWhiteSpace(error.Message) || string.IsNullOrWhiteSpace(error.MessageEn) || error.Message == error.MessageEn);
        }
    }
}
