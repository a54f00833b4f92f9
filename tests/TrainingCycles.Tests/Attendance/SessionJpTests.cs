using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Attendance;

/// <summary>#20 item 1: sessions carry JP and an instructor; the cycle's total is their sum and reaches the certificate.</summary>
public sealed class SessionJpTests
{
    private static (CycleSchedule? Schedule, IReadOnlyList<FieldError> Errors) Validate(Action<JsonObject> change)
    {
        var definition = AttendanceWorld.Definition(DateTimeOffset.UtcNow, sessions: 4);
        definition["certificate"]!.AsObject().Remove("trainingHours");
        foreach (var s in definition["sessions"]!.AsArray())
        {
            s!["jp"] = 4;
            s["instructor"] = "Dr. Rina Sari, M.Si.";
            s["instructorEmail"] = "rina.sari@kalteng.go.id";
        }

        change(definition);
        return CycleDefinitionValidator.Validate(JsonSerializer.Deserialize<CycleDefinition>(definition.ToJsonString(), Http.Json), DateTimeOffset.UtcNow);
    }

    [Fact]
    public void SessionsWithJpGiveTheCycleItsTotalAndCarryTheirInstructor()
    {
        var (schedule, errors) = Validate(_ => { });

        Assert.True(schedule is not null, string.Join("; ", errors.Select(e => e.Field + ": " + e.MessageEn)));
        Assert.Equal(16, schedule!.TotalJp);
        Assert.All(schedule.Sessions, s => Assert.Equal((4, "Dr. Rina Sari, M.Si.", "rina.sari@kalteng.go.id"), (s.Jp, s.Instructor, s.InstructorEmail)));
    }

    [Theory]
    [InlineData("zero", "sessions[1].jp")]
    [InlineData("missing", "sessions[2].jp")]
    [InlineData("badEmail", "sessions[0].instructorEmail")]
    [InlineData("hoursDisagree", "certificate.trainingHours")]
    [InlineData("minimumJpAboveTotal", "completion.minimumJp")]
    [InlineData("excusedShare", "completion.maximumExcusedPercent")]
    [InlineData("score", "completion.minimumPostTestScore")]
    public void BadJpSettingsAreRefusedOnTheirField(string what, string field)
    {
        var (schedule, errors) = Validate(d =>
        {
            var sessions = d["sessions"]!.AsArray();
            switch (what)
            {
                case "zero": sessions[1]!["jp"] = 0; break;
                case "missing": sessions[2]!.AsObject().Remove("jp"); break;
                case "badEmail": sessions[0]!["instructorEmail"] = "bukan-email"; break;
                case "hoursDisagree": d["certificate"]!["trainingHours"] = 20; break;
                case "minimumJpAboveTotal": d["completion"]!["minimumJp"] = 17; break;
                case "excusedShare": d["completion"]!["maximumExcusedPercent"] = 120; break;
                case "score": d["completion"]!["minimumPostTestScore"] = -1; break;
            }
        });

        Assert.Null(schedule);
        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        Assert.NotEqual(error.Message, error.MessageEn);
    }

    [Theory]
    [InlineData(false, 0, 16)]
    [InlineData(true, 0, 12)]
    [InlineData(false, 16, 16)]
    public void TheCertificatePrintsTheTotalOrTheJpEarnedWhenTheRuleSaysSo(bool earned, int trainingHours, int printed)
    {
        var (schedule, _) = Validate(d => d["completion"]!["certificateShowsEarnedJp"] = earned);
        var definition = new CycleDefinition
        {
            Completion = new CompletionRule { CertificateShowsEarnedJp = earned },
            Certificate = new CertificateSettings { TrainingHours = trainingHours },
        };
        var cycle = new CycleRecord("c1", definition, schedule!, new CycleEntity { PartitionKey = "c1", RowKey = "c1" });

        Assert.Equal(printed, CertificateIssuer.CertificateJp(cycle, new ParticipantEntity { EarnedJp = 12 }));
    }
}
