using System.Text.Json;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Evaluation;

/// <summary>#21: the evaluation settings are checked when a cycle is created or rescheduled — bad periods are refused by field, in both languages.</summary>
public sealed class EvaluationSettingsTests
{
    [Theory]
    [InlineData(null, null, null)]
    [InlineData("P3M", null, null)]
    [InlineData("P3M", "P14D", null)]
    [InlineData("P90D", "P2W", null)]
    [InlineData("PT30S", "PT10S", null)] // a compressed demo timeline
    [InlineData("P2Y", "P90D", null)] // both at their limit
    [InlineData("tiga bulan", null, "evaluation.followUpAfter")]
    [InlineData("3M", null, "evaluation.followUpAfter")]
    [InlineData("P0D", null, "evaluation.followUpAfter")]
    [InlineData("P-3M", null, "evaluation.followUpAfter")]
    [InlineData("P1M-40D", null, "evaluation.followUpAfter")] // mixed signs
    [InlineData("P25M", null, "evaluation.followUpAfter")] // beyond two years
    [InlineData("P999999999Y", null, "evaluation.followUpAfter")] // overflow, not a crash
    [InlineData("", null, "evaluation.followUpAfter")]
    [InlineData("P3M", "P91D", "evaluation.followUpReminderAfter")]
    [InlineData("P3M", "besok", "evaluation.followUpReminderAfter")]
    [InlineData("P3M", "PT0S", "evaluation.followUpReminderAfter")]
    [InlineData(null, "P14D", "evaluation.followUpReminderAfter")] // a reminder of no survey
    public void FollowUpPeriodsAreCheckedByField(string? after, string? reminder, string? badField)
    {
        var errors = Validate(new EvaluationSettings { FollowUpAfter = after, FollowUpReminderAfter = reminder });
        if (badField is null)
        {
            Assert.Empty(errors);
            return;
        }

        var error = Assert.Single(errors);
        Assert.Equal(badField, error.Field);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        Assert.False(string.IsNullOrWhiteSpace(error.MessageEn));
        Assert.NotEqual(error.Message, error.MessageEn);
        Assert.Contains(badField, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AValidatedPeriodIsTheOneTheWorkflowUses()
    {
        Assert.Equal(NodaTime.Period.FromMonths(3), EvaluationPeriods.Parse(" P3M "));
        Assert.Null(EvaluationPeriods.Parse("P-1D"));
        Assert.Empty(Validate(new EvaluationSettings { RequiredBeforeCertificate = true }));
    }

    private static IReadOnlyList<FieldError> Validate(EvaluationSettings evaluation)
    {
        var json = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow);
        var definition = JsonSerializer.Deserialize<CycleDefinition>(json.ToJsonString(), Http.Json)! with { Evaluation = evaluation };
        return CycleDefinitionValidator.Validate(definition, DateTimeOffset.UtcNow).Errors;
    }
}
