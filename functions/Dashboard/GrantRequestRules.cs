using Microsoft.AspNetCore.Http;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Dashboard;

/// <summary>A grant request that passed <see cref="GrantRequestRules"/>: who, which role, and its scope.</summary>
public sealed record ValidGrant(string Subject, string Role, string? CycleId, string? SessionId, string? Agency);

/// <summary>
/// What a grant must look like: an administrator covers all cycles; an instructor one session of one cycle; a
/// coordinator one agency of one cycle; the cycle and session named must exist. Every field's problem is reported
/// at once, in both languages, and nothing is stored while there is one.
/// </summary>
public sealed class GrantRequestRules(CycleStore cycles)
{
    public async Task<(ValidGrant? Grant, Refusal? Refused)> CheckAsync(GrantRequest input, CancellationToken cancellationToken)
    {
        var errors = new List<object>();
        void Fail(string field, string key, params object?[] args)
        {
            var (message, messageEn) = Text.Both(key, args);
            errors.Add(new { field, message, messageEn });
        }

        var subject = Subjects.Normalize(input.User);
        if (subject is null)
        {
            Fail("user", nameof(Texts.Access_Grant_UserMissing));
        }

        var role = Roles.Normalize(input.Role);
        if (role is null)
        {
            Fail("role", nameof(Texts.Access_Grant_RoleUnknown), string.Join(", ", Roles.All));
        }

        var cycleId = Blank(input.CycleId);
        var sessionId = Blank(input.SessionId);
        var agency = input.Agency is null ? null : PlainText.Line(input.Agency, 200) is { Length: > 0 } a ? a : null;
        var misfit = role switch
        {
            Roles.Administrator when (cycleId ?? sessionId ?? agency) is not null => ("cycleId", nameof(Texts.Access_Grant_AdminAllCycles)),
            Roles.Instructor when cycleId is null || sessionId is null => ("sessionId", nameof(Texts.Access_Grant_InstructorSession)),
            Roles.Coordinator when cycleId is null || agency is null => ("agency", nameof(Texts.Access_Grant_CoordinatorAgency)),
            _ => default((string, string)?),
        };
        if (misfit is var (misfitField, misfitKey))
        {
            Fail(misfitField, misfitKey);
        }

        if (role is not Roles.Instructor && sessionId is not null)
        {
            Fail("sessionId", nameof(Texts.Access_Grant_SessionOnlyInstructor));
        }

        if (role is not Roles.Coordinator && agency is not null)
        {
            Fail("agency", nameof(Texts.Access_Grant_AgencyOnlyCoordinator));
        }

        if (errors.Count == 0 && cycleId is not null)
        {
            var cycle = await cycles.GetAsync(cycleId, cancellationToken);
            if (cycle is null)
            {
                Fail("cycleId", nameof(Texts.Access_Grant_CycleNotFound));
            }
            else if (sessionId is not null && cycle.Schedule.Sessions.All(s => s.Id != sessionId))
            {
                Fail("sessionId", nameof(Texts.Access_Grant_SessionNotInCycle));
            }
        }

        return errors.Count > 0
            ? (null, new Refusal(StatusCodes.Status422UnprocessableEntity, "invalid_grant", nameof(Texts.Access_Grant_Invalid), [], errors))
            : (new ValidGrant(subject!, role!, cycleId, sessionId, agency), null);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
