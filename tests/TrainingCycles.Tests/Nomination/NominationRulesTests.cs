using PdfSharp.Pdf;
using TrainingCycles.Cycles;
using TrainingCycles.Nomination;

namespace TrainingCycles.Tests.Nomination;

public sealed class NominationRulesTests
{
    private static readonly IReadOnlyList<string> Regencies = CycleDefinitionValidator.CentralKalimantanRegencies;

    public static byte[] Pdf(int pages = 1)
    {
        using var document = new PdfDocument();
        for (var i = 0; i < pages; i++)
        {
            document.AddPage();
        }

        using var buffer = new MemoryStream();
        document.Save(buffer);
        return buffer.ToArray();
    }

    [Fact]
    public void AQuotaListWithSemicolonsAndIndonesianHeadersIsRead()
    {
        var (rows, errors) = QuotaImport.ParseCsv(
            "instansi;tingkat;kabupaten/kota;kursi;nama koordinator;email koordinator;bahasa\n" +
            "Dinas Sosial Provinsi Kalimantan Tengah;provinsi;;3;Drs. Budi Santoso;Budi@Kalteng.go.id;\n" +
            "Dinas Sosial Kabupaten Kapuas;kabupaten;kapuas;2;Siti Aminah, S.Sos.;siti@kapuas.go.id;en\n", Regencies);

        Assert.Empty(errors);
        Assert.Equal(2, rows.Count);
        Assert.Equal("budi@kalteng.go.id", rows[0].CoordinatorEmail);
        Assert.Null(rows[0].Regency);
        Assert.Equal("Kapuas", rows[1].Regency);
        Assert.Equal("en", rows[1].Language);
        Assert.Equal(QuotaIds.For("dinas  sosial kabupaten KAPUAS"), rows[1].QuotaId);
    }

    [Fact]
    public void EveryBadRowIsNamedWithItsLineAndNothingIsKept()
    {
        var (rows, errors) = QuotaImport.ParseCsv(
            "agency,level,seats,coordinator name,coordinator email\n" +
            "Dinas A,provinsi,-1,Budi,budi@a.go.id\n" +
            "Dinas B,desa,2,Siti,siti@b.go.id\n" +
            "Dinas C,kota,2,Rina,not-an-address\n" +
            "Dinas D,kota,1,Rudi,rudi@d.go.id\n" +
            "dinas d,kota,1,Rudi,rudi@d.go.id\n", Regencies);

        Assert.Equal(["seats", "level", "email", "agency"], errors.Select(e => e.Field));
        Assert.Equal([2, 3, 4, 6], errors.Select(e => e.Line));
        Assert.All(errors, e => Assert.NotEqual(e.Message, e.MessageEn));
        Assert.Equal(2, rows.Count); // the parser's rows; the import writes nothing while errors exist
    }

    [Fact]
    public void AMissingColumnIsSaidByName()
    {
        var (_, errors) = QuotaImport.ParseCsv("instansi,kursi\nDinas A,2\n", Regencies);
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Message.Contains("\"level\"", StringComparison.Ordinal));
    }

    [Fact]
    public void TheNipMustAgreeWithTheBirthDateAndGenderGivenWithIt()
    {
        var today = new DateOnly(2026, 12, 2);
        var nip = Nip.Validate("19850312 201001 2 005", today);
        Assert.Null(Nip.CheckIdentity(nip, new DateOnly(1985, 3, 12), '2'));
        Assert.Equal(NipError.BirthDateMismatch, Nip.CheckIdentity(nip, new DateOnly(1985, 12, 3), '2'));
        Assert.Equal(NipError.GenderMismatch, Nip.CheckIdentity(nip, new DateOnly(1985, 3, 12), '1'));
        Assert.Equal(NipError.WrongLength, Nip.CheckIdentity(Nip.Validate("1985", today), null, null));
        var (id, en) = Nip.Message(NipError.GenderMismatch);
        Assert.NotEqual(id, en);
    }

    [Fact]
    public void ALetterIsJudgedByItsContentNotItsName()
    {
        Assert.Equal((LetterProblem.None, 2), LetterCheck.Check(Pdf(2)));
        Assert.Equal(LetterProblem.Empty, LetterCheck.Check([]).Problem);
        Assert.Equal(LetterProblem.NotPdf, LetterCheck.Check("PK\u0003\u0004 a zip named surat.pdf"u8.ToArray()).Problem);
        Assert.Equal(LetterProblem.NotPdf, LetterCheck.Check("%PDF-1.7 but cut off"u8.ToArray()).Problem);
        Assert.Equal(LetterProblem.Unreadable, LetterCheck.Check("%PDF-1.7\nnot really a pdf\n%%EOF\n"u8.ToArray()).Problem);
        var big = new byte[LetterCheck.MaxBytes + 1];
        Pdf().CopyTo(big, 0);
        Assert.Equal(LetterProblem.TooLarge, LetterCheck.Check(big).Problem);
    }
}
