using Azure.Data.Tables;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Tests.Support;

/// <summary>
/// Test set-up only: puts a participant row into the state a test needs (confirmed and eligible, a revoked link)
/// by writing it to the table directly, under its ETag. The app itself changes rows only through
/// <see cref="ParticipantStore"/>'s named methods.
/// </summary>
public static class ParticipantRows
{
    public static async Task ReplaceAsync(IServiceProvider services, ParticipantEntity participant)
    {
        var table = await services.GetRequiredService<AppTables>().GetAsync(AppTables.Participants);
        await table.UpdateEntityAsync(participant, participant.ETag, TableUpdateMode.Replace);
    }
}
