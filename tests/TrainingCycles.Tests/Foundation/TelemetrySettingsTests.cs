using TrainingCycles.Infrastructure;

namespace TrainingCycles.Tests.Foundation;

public sealed class TelemetrySettingsTests
{
    [Theory]
    [InlineData("ClientId=0b7c6f2e-1111-2222-3333-444455556666;Authorization=AAD", "0b7c6f2e-1111-2222-3333-444455556666")]
    [InlineData(" authorization=aad ; clientid=abc ", "abc")]
    [InlineData("Authorization=AAD", null)] // system-assigned identity: the exporter's default credential applies
    [InlineData("ClientId=abc", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void TheExporterSignsInAsTheIdentityTheAuthenticationStringNames(string? setting, string? expected) =>
        Assert.Equal(expected, TelemetrySettings.ManagedIdentityClientId(setting));

    [Fact]
    public void TheAppsMeterAndSourceShareOneName()
    {
        Assert.Equal(Telemetry.Name, Telemetry.Source.Name);
        Assert.Equal(Telemetry.Name, Telemetry.PhaseChanges.Meter.Name);
    }
}
