using System.Text;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using static TrainingCycles.Infrastructure.Pages;

namespace TrainingCycles.Registration;

/// <summary>The registration form and its result pages. Everything a person typed is HTML-encoded.</summary>
public static class RegistrationPage
{
    public static string Facts(CycleRecord cycle, string lang, int seatsLeft)
    {
        var s = cycle.Schedule;
        var html = new StringBuilder();
        html.Append("<dl class=\"facts\">");
        Fact(html, T(lang, "Penyelenggara", "Organizer"), H(cycle.Definition.OrganizerName));
        Fact(html, T(lang, "Tempat", "Venue"), H(cycle.Definition.Venue));
        Fact(html, T(lang, "Jadwal", "Schedule"), string.Join("<br>", Formatting.SessionLines(s, lang).Select(H)));
        Fact(html, T(lang, "Batas pendaftaran", "Registration deadline"), H(Formatting.DateTime(s.RegistrationClosesAt, s.TimeZone, lang)));
        Fact(html, T(lang, "Kursi tersisa", "Seats left"), seatsLeft > 0
            ? H(seatsLeft.ToString(Formatting.Culture(lang)))
            : H(T(lang, "Penuh — pendaftar baru masuk daftar tunggu", "Full — new registrations join the waiting list")));
        html.Append("</dl>");
        if (!string.IsNullOrWhiteSpace(cycle.Definition.Description))
        {
            html.Append("<p>").Append(H(cycle.Definition.Description)).Append("</p>");
        }

        return html.ToString();
    }

    /// <summary>"Send my link again": an address in, the person's own link out by mail (never on screen).</summary>
    public static string ResendForm(string lang, string action, FieldError? error)
    {
        var errors = error is null ? new Dictionary<string, FieldError>() : new Dictionary<string, FieldError> { [error.Field] = error };
        var html = new StringBuilder();
        html.Append("<section aria-labelledby=\"resend-title\"><h2 id=\"resend-title\">").Append(H(T(lang, "Kirim ulang tautan saya", "Send my link again"))).Append("</h2><p>")
            .Append(H(T(lang, "Sudah diundang atau terdaftar, tetapi tidak menemukan email Anda? Tautan pribadi Anda dikirim ke alamat yang terdaftar.",
                "Invited or registered already but cannot find your email? Your personal link is sent to the address on record.")))
            .Append("</p><form method=\"post\" action=\"").Append(H(action)).Append("\" novalidate>");
        Input(html, lang, errors, "resend-email", T(lang, "Alamat terdaftar", "Address on record"), T(lang, "Alamat yang Anda pakai saat diundang atau mendaftar", "The address you were invited or registered with"), "", "email", "email");
        html.Append("<div class=\"hp\" aria-hidden=\"true\"><label for=\"website4\">Website</label><input type=\"text\" id=\"website4\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></div>")
            .Append("<button type=\"submit\" class=\"secondary\" name=\"action\" value=\"resend\">").Append(H(T(lang, "Kirim tautan", "Send the link"))).Append("</button></form></section>");
        return html.ToString();
    }

    public static string Form(CycleRecord cycle, string lang, RegistrationForm values, IReadOnlyList<FieldError> errors, string action, bool isChange)
    {
        var byField = errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.First());
        var html = new StringBuilder();
        if (errors.Count > 0)
        {
            html.Append("<div class=\"summary\" role=\"alert\" aria-labelledby=\"error-summary-title\" tabindex=\"-1\"><h2 id=\"error-summary-title\">")
                .Append(H(T(lang, $"Ada {errors.Count} isian yang perlu diperbaiki", $"{errors.Count} answers need fixing")))
                .Append("</h2><ul>");
            foreach (var e in errors)
            {
                html.Append("<li><a href=\"#").Append(H(e.Field)).Append("\">").Append(H(T(lang, e.Message, e.MessageEn))).Append("</a></li>");
            }

            html.Append("</ul></div>");
        }

        html.Append("<form method=\"post\" action=\"").Append(H(action)).Append("\" novalidate>");
        Input(html, lang, byField, "fullName", T(lang, "Nama lengkap beserta gelar", "Full name with academic titles"), T(lang, "Contoh: Dr. Siti Aminah, S.Sos., M.Si.", "For example: Dr. Siti Aminah, S.Sos., M.Si."), values.FullName, "text", "name");
        Input(html, lang, byField, "nip", "NIP", T(lang, "18 digit, boleh dengan spasi", "18 digits, spaces allowed"), values.Nip, "text", "off", inputMode: "numeric");
        Input(html, lang, byField, "email", "Email", T(lang, "Konfirmasi dan pengingat dikirim ke alamat ini", "Confirmation and reminders go to this address"), values.Email, "email", "email");
        Input(html, lang, byField, "phone", T(lang, "Nomor HP", "Mobile phone"), T(lang, "Contoh: 0812 3456 7890 atau +62 812 3456 7890", "For example: 0812 3456 7890 or +62 812 3456 7890"), values.Phone, "tel", "tel");
        Input(html, lang, byField, "agency", T(lang, "Nama instansi", "Agency"), T(lang, "Contoh: Dinas Sosial Kabupaten Kapuas", "For example: Dinas Sosial Kabupaten Kapuas"), values.Agency, "text", "organization");

        // Agency level: radio group in a fieldset, the legend is its label.
        html.Append("<fieldset class=\"field").Append(byField.ContainsKey("agencyLevel") ? " invalid" : "").Append("\" id=\"agencyLevel\"")
            .Append(byField.ContainsKey("agencyLevel") ? " aria-describedby=\"agencyLevel-error\"" : "").Append("><legend>")
            .Append(H(T(lang, "Tingkat instansi", "Agency level"))).Append("</legend>");
        ErrorText(html, lang, byField, "agencyLevel");
        foreach (var (value, id, en) in new[] { ("provinsi", "Pemerintah Provinsi", "Provincial government"), ("kabupaten", "Pemerintah Kabupaten", "Regency government"), ("kota", "Pemerintah Kota", "City government") })
        {
            html.Append("<div class=\"choice\"><input type=\"radio\" name=\"agencyLevel\" id=\"agencyLevel-").Append(value).Append("\" value=\"").Append(value).Append('"')
                .Append(values.AgencyLevel == value ? " checked" : "").Append("><label for=\"agencyLevel-").Append(value).Append("\">").Append(H(T(lang, id, en))).Append("</label></div>");
        }

        html.Append("</fieldset>");

        var regencies = cycle.Definition.Regencies is { Count: > 0 } list ? list : CycleDefinitionValidator.CentralKalimantanRegencies;
        html.Append("<div class=\"field").Append(byField.ContainsKey("regency") ? " invalid" : "").Append("\"><label for=\"regency\">")
            .Append(H(T(lang, "Kabupaten/kota", "Regency or city"))).Append("</label><span class=\"hint\" id=\"regency-hint\">")
            .Append(H(T(lang, "Wajib untuk instansi kabupaten/kota", "Required for regency and city agencies"))).Append("</span>");
        ErrorText(html, lang, byField, "regency");
        html.Append("<select id=\"regency\" name=\"regency\" aria-describedby=\"regency-hint").Append(byField.ContainsKey("regency") ? " regency-error\" aria-invalid=\"true" : "").Append("\"><option value=\"\">")
            .Append(H(T(lang, "— Pilih —", "— Choose —"))).Append("</option>");
        foreach (var r in regencies)
        {
            html.Append("<option").Append(values.Regency == r ? " selected" : "").Append('>').Append(H(r)).Append("</option>");
        }

        html.Append("</select></div>");
        Input(html, lang, byField, "position", T(lang, "Jabatan", "Position"), T(lang, "Contoh: Pekerja Sosial Ahli Pertama", "For example: Pekerja Sosial Ahli Pertama"), values.Position, "text", "organization-title");
        Input(html, lang, byField, "rank", T(lang, "Pangkat/golongan (opsional)", "Rank/grade (optional)"), T(lang, "Contoh: Penata Muda, III/a", "For example: Penata Muda, III/a"), values.Rank, "text", "off", required: false);

        html.Append("<fieldset class=\"field\"><legend>").Append(H(T(lang, "Bahasa untuk email", "Language for emails"))).Append("</legend>");
        foreach (var (value, label) in new[] { ("id", "Bahasa Indonesia"), ("en", "English") })
        {
            html.Append("<div class=\"choice\"><input type=\"radio\" name=\"language\" id=\"language-").Append(value).Append("\" value=\"").Append(value).Append('"')
                .Append(values.Language == value ? " checked" : "").Append("><label for=\"language-").Append(value).Append("\" lang=\"").Append(value).Append("\">").Append(label).Append("</label></div>");
        }

        html.Append("</fieldset>");

        html.Append("<div class=\"field").Append(byField.ContainsKey("consent") ? " invalid" : "").Append("\" id=\"consent-field\">");
        ErrorText(html, lang, byField, "consent");
        html.Append("<div class=\"choice\"><input type=\"checkbox\" id=\"consent\" name=\"consent\" value=\"yes\"").Append(values.Consent ? " checked" : "")
            .Append(" aria-describedby=\"consent-purpose").Append(byField.ContainsKey("consent") ? " consent-error\" aria-invalid=\"true" : "").Append("\" required><label for=\"consent\">")
            .Append(H(T(lang, "Saya menyetujui pemrosesan data pribadi saya untuk pelatihan ini.", "I agree to the processing of my personal data for this training."))).Append("</label></div>")
            .Append("<span class=\"hint\" id=\"consent-purpose\">")
            .Append(H(T(lang,
                $"Tujuan: {cycle.Definition.OrganizerName} memakai nama, NIP, kontak, dan instansi Anda hanya untuk menyelenggarakan pelatihan ini — pendaftaran, pengingat, presensi, dan sertifikat — sesuai UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi.",
                $"Purpose: {cycle.Definition.OrganizerName} uses your name, NIP, contact details and agency only to run this training — registration, reminders, attendance and certificates — under Indonesia's Personal Data Protection Law (No. 27/2022).")))
            .Append("</span></div>");

        // Honeypot: hidden from people (and from assistive technology), tempting to form-filling bots.
        html.Append("<div class=\"hp\" aria-hidden=\"true\"><label for=\"website\">Website</label><input type=\"text\" id=\"website\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></div>");
        html.Append("<button type=\"submit\" name=\"action\" value=\"register\">")
            .Append(H(isChange ? T(lang, "Simpan perubahan", "Save changes") : T(lang, "Daftar", "Register"))).Append("</button></form>");
        return html.ToString();
    }

    public static string Status(ParticipantEntity p, string lang)
    {
        var (id, en) = p.Status switch
        {
            ParticipantStatus.Confirmed => ("Terkonfirmasi", "Confirmed"),
            ParticipantStatus.Waitlisted => ("Daftar tunggu", "Waiting list"),
            ParticipantStatus.Withdrawn => ("Dibatalkan", "Withdrawn"),
            _ => ("Belum terdaftar", "Not registered"),
        };
        return T(lang, id, en);
    }

    private static void Input(StringBuilder html, string lang, Dictionary<string, FieldError> errors, string name, string label, string hint, string value, string type, string autocomplete, string? inputMode = null, bool required = true)
    {
        var invalid = errors.ContainsKey(name);
        html.Append("<div class=\"field").Append(invalid ? " invalid" : "").Append("\"><label for=\"").Append(name).Append("\">").Append(H(label)).Append("</label>")
            .Append("<span class=\"hint\" id=\"").Append(name).Append("-hint\">").Append(H(hint)).Append("</span>");
        ErrorText(html, lang, errors, name);
        html.Append("<input type=\"").Append(type).Append("\" id=\"").Append(name).Append("\" name=\"").Append(name).Append("\" value=\"").Append(H(value))
            .Append("\" autocomplete=\"").Append(autocomplete).Append('"')
            .Append(inputMode is null ? "" : " inputmode=\"" + inputMode + "\"")
            .Append(required ? " required" : "")
            .Append(" aria-describedby=\"").Append(name).Append("-hint").Append(invalid ? " " + name + "-error" : "").Append('"')
            .Append(invalid ? " aria-invalid=\"true\"" : "").Append("></div>");
    }

    private static void ErrorText(StringBuilder html, string lang, Dictionary<string, FieldError> errors, string name)
    {
        if (errors.TryGetValue(name, out var error))
        {
            html.Append("<span class=\"error\" id=\"").Append(name).Append("-error\">")
                .Append(H(T(lang, "Kesalahan: ", "Error: ") + T(lang, error.Message, error.MessageEn))).Append("</span>");
        }
    }

    private static void Fact(StringBuilder html, string term, string definitionHtml) =>
        html.Append("<dt>").Append(H(term)).Append("</dt><dd>").Append(definitionHtml).Append("</dd>");
}
