using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

/// <summary>Organizer API for the people of a cycle: import invitees, list and export participants.</summary>
public sealed class ParticipantFunctions(CycleStore cycles, ParticipantStore participants, AuditLog audit, TimeProvider time)
{
    public const int MaxImportBytes = 8 * 1024 * 1024;

    [Function(nameof(ImportInvitees))]

    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> ImportInvitees(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/invitees")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId)
    {
        var cycle = await cycles.GetAsync(cycleId);
        if (cycle is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        if (cycle.Phase is not (CyclePhase.Inviting or CyclePhase.RegistrationOpen))
        {
            return CycleFunctions.WrongPhase(cycle.Phase);
        }

        var (body, contentType, refused) = await Http.ReadTextUploadAsync(request, MaxImportBytes, request.HttpContext.RequestAborted);
        if (refused is not null)
        {
            return refused;
        }

        var isJson = contentType.Contains("json", StringComparison.OrdinalIgnoreCase);
        if (!isJson && !contentType.Contains("csv", StringComparison.OrdinalIgnoreCase) && !contentType.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            return Http.Error(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", nameof(Texts.Error_Cycle_UnsupportedMediaType));
        }

        var today = DateOnly.FromDateTime(Cycles.CycleSchedule.ToLocal(time.GetUtcNow(), cycle.Schedule.TimeZone).DateTime);
        var regencies = cycle.Definition.Regencies is { Count: > 0 } list ? list : null;
        var (rows, errors, ignored) = isJson ? InviteeImport.ParseJson(body!, today, regencies) : InviteeImport.ParseCsv(body!, today, regencies);
        if (errors.Count > 0 || rows.Count == 0)
        {
            // All or nothing: a file with any bad row changes nothing, so fixing and re-uploading is always safe.
            return errors.Count == 0 ? Http.Error(StatusCodes.Status422UnprocessableEntity, "no_rows", nameof(Texts.Error_Cycle_NoRows))
                : Http.Error(StatusCodes.Status422UnprocessableEntity, "invalid_rows", nameof(Texts.Error_Cycle_InvalidRows), [errors.Count],
                    errors.Select(e => new { line = e.Line, field = e.Field, name = e.Name, value = e.Value, message = e.Message, messageEn = e.MessageEn }).ToList());
        }

        var result = await participants.ImportInviteesAsync(cycleId, rows, AuditActors.Of(request));
        if (result.NipConflicts.Count > 0)
        {
            var nipTaken = Text.Both(nameof(Texts.Field_Cycle_Import_NipTaken));
            // Checked before any of this file's new invitees were written (a row added by a race since is re-checked).
            return Http.Error(StatusCodes.Status409Conflict, "nip_taken", nameof(Texts.Error_Cycle_NipTaken), [result.NipConflicts.Count, result.Imported],
                result.NipConflicts.Select(r => new { line = r.Line, field = "nip", message = nipTaken.Id, messageEn = nipTaken.En }).ToList());
        }

        if (result.Imported > 0)
        {
            await durable.RaiseEventAsync(cycleId, CycleCommand.EventName, new CycleCommand(CycleCommand.InviteesImported));
        }

        // Columns the import did not use are named, so a column the organizer expected to land is never lost silently.
        return Http.Ok(new { total = result.Total, imported = result.Imported, alreadyInvited = result.AlreadyInvited, ignoredColumns = ignored });
    }

    [Function(nameof(ListParticipants))]

    [Requires(Permission.ViewParticipants, AccessScope.Cycle)]
    public async Task<IActionResult> ListParticipants(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/participants")] HttpRequest request,
        string cycleId)
    {
        var cycle = await cycles.GetAsync(cycleId);
        if (cycle is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var all = await participants.ListAsync(cycleId);
        // An agency coordinator sees their agency's people only (the gate let them in for this cycle).
        if (RequestAccess.Of(request)?.AgencyFilter(cycleId) is { } agencies)
        {
            all = [.. all.Where(p => p.Agency is { } agency && agencies.Contains(CallerAccess.AgencyKey(agency)))];
        }

        var status = request.Query["status"].ToString();
        // Who looked at whose data (UU PDP); the search text is not kept, it may be a person's NIP.
        await audit.ViewedAsync(cycleId, AuditActors.Of(request), request.Query["format"] == "csv" ? "participants-export" : "participants", details: status.Length > 0 ? "status=" + PlainText.Line(status, 40) : null);
        var search = request.Query["search"].ToString().Trim();
        IEnumerable<ParticipantEntity> filtered = all;
        filtered = status.ToLowerInvariant() switch
        {
            "" or "all" => filtered,
            "registered" => filtered.Where(p => p.Status is ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted),
            "bounced" => filtered.Where(p => p.EmailStatus is "Bounced" or "Dropped" or "SpamReport"),
            "eligible" => filtered.Where(p => p.Eligible == true),
            "certified" => filtered.Where(p => p.CertificateId is not null),
            _ => filtered.Where(p => string.Equals(p.Status, status, StringComparison.OrdinalIgnoreCase)),
        };
        if (search.Length > 0)
        {
            filtered = filtered.Where(p => Matches(p, search));
        }

        var ordered = filtered.OrderBy(p => p.FullName ?? p.Email, StringComparer.CurrentCultureIgnoreCase).ThenBy(p => p.RowKey, StringComparer.Ordinal).ToList();
        if (string.Equals(request.Query["format"], "csv", StringComparison.OrdinalIgnoreCase))
        {
            return new FileContentResult(ToCsv(ordered), "text/csv; charset=utf-8") { FileDownloadName = $"peserta-{cycleId}.csv" };
        }

        var pageSize = int.TryParse(request.Query["pageSize"], NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? Math.Clamp(size, 1, 500) : 100;
        var page = int.TryParse(request.Query["page"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? Math.Max(1, p) : 1;
        var items = ordered.Skip((page - 1) * pageSize).Take(pageSize).Select(View).ToList();
        return Http.Ok(new { total = ordered.Count, page, pageSize, items });
    }

    private static bool Matches(ParticipantEntity p, string search) =>
        (p.FullName?.Contains(search, StringComparison.CurrentCultureIgnoreCase) ?? false) ||
        p.Email.Contains(search, StringComparison.OrdinalIgnoreCase) ||
        (p.Nip?.Contains(search, StringComparison.Ordinal) ?? false) ||
        (p.Agency?.Contains(search, StringComparison.CurrentCultureIgnoreCase) ?? false) ||
        (p.RegistrationNumber?.Contains(search, StringComparison.OrdinalIgnoreCase) ?? false);

    public static object View(ParticipantEntity p) => new
    {
        participantId = p.RowKey,
        fullName = p.FullName,
        email = p.Email,
        nip = p.Nip,
        phone = p.Phone,
        agency = p.Agency,
        agencyLevel = p.AgencyLevel,
        regency = p.Regency,
        position = p.Position,
        rank = p.Rank,
        language = p.Language,
        status = p.Status,
        invited = p.Invited,
        registrationNumber = p.RegistrationNumber,
        invitedAt = p.InvitedAt,
        registeredAt = p.RegisteredAt,
        emailStatus = p.EmailStatus,
        eligible = p.Eligible,
        eligibilityExplanation = p.EligibilityExplanation,
        certificateId = p.CertificateId,
        certificateNumber = p.CertificateNumber,
    };

    /// <summary>
    /// CSV for spreadsheets. Cells that start with = + - @ tab or CR (formulas) get a leading apostrophe, as CsvHelper's
    /// injection guard does — done per cell here because one cell must stay a formula: the 18-digit NIP is written as
    /// <c>="198001012005012001"</c>, the one form Excel and LibreOffice open as text (a bare number is rounded to 15
    /// significant digits). The NIP is digits only (validated on the way in), so that formula can hold nothing else.
    /// </summary>
    public static byte[] ToCsv(IReadOnlyList<ParticipantEntity> rows)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { InjectionOptions = InjectionOptions.None };
        using var buffer = new MemoryStream();
        using (var writer = new StreamWriter(buffer, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)))
        using (var csv = new CsvWriter(writer, config))
        {
            foreach (var header in new[] { "participant_id", "registration_number", "status", "full_name", "nip", "email", "phone", "agency", "agency_level", "regency", "position", "rank", "language", "email_status", "eligible", "eligibility", "certificate_number" })
            {
                csv.WriteField(header);
            }

            csv.NextRecord();
            foreach (var p in rows)
            {
                foreach (var value in new[] { p.RowKey, p.RegistrationNumber, p.Status, p.FullName })
                {
                    csv.WriteField(FormulaSafe(value));
                }

                csv.WriteField(NipAsText(p.Nip));
                foreach (var value in new[] { p.Email, p.Phone, p.Agency, p.AgencyLevel, p.Regency, p.Position, p.Rank, p.Language, p.EmailStatus, p.Eligible?.ToString(), p.EligibilityExplanation, p.CertificateNumber })
                {
                    csv.WriteField(FormulaSafe(value));
                }

                csv.NextRecord();
            }
        }

        return buffer.ToArray();
    }

    public static string FormulaSafe(string? value) =>
        string.IsNullOrEmpty(value) ? "" : value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;

    /// <summary>A NIP as a text cell (<c>="…"</c>); anything that is not all digits falls back to a formula-safe plain cell.</summary>
    public static string NipAsText(string? nip) =>
        string.IsNullOrEmpty(nip) ? "" : nip.All(char.IsAsciiDigit) ? "=\"" + nip + "\"" : FormulaSafe(nip);
}
