namespace TrainingCycles.Dashboard;

/// <summary>The dashboard's stylesheet: the participant pages' palette, laid out for laptops and tablets.</summary>
public static class DashboardStyles
{
    public const string Source = """
        :root{--accent:#1F4E79;--accent-soft:#e8eff6;--text:#1b1b1b;--muted:#4a4a4a;--error:#b00020;--ok:#1e6b34;--warn:#7a4d00;--bg:#fff;--line:#c8c8c8;--soft:#f4f6f8;--focus:#ffbf47}
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%}
        body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:1rem;line-height:1.5;color:var(--text);background:var(--bg)}
        a{color:var(--accent)}
        a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible,[tabindex]:focus-visible{outline:3px solid var(--focus);outline-offset:2px;box-shadow:0 0 0 5px #0b0c0c}
        main:focus,h1:focus,h2:focus{outline:none}
        .skip{position:absolute;left:-999px;top:0}.skip:focus{left:1rem;top:.5rem;background:#fff;padding:.5rem;z-index:20}
        .visually-hidden{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}

        .top{background:var(--accent);color:#fff}
        .top-inner{max-width:76rem;margin:0 auto;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center}
        .brand{font-weight:700;font-size:1.05rem;margin-right:auto}
        .brand small{display:block;font-weight:400;font-size:.85rem;opacity:.95}
        .top nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
        .top a{color:#fff;font-weight:600;text-decoration:none;padding:.25rem 0;border-bottom:3px solid transparent}
        .top a[aria-current=page]{border-bottom-color:#fff}
        .top a:hover{text-decoration:underline}
        .top .tools{display:flex;gap:.5rem}
        .top button{background:transparent;color:#fff;border:2px solid #fff;padding:.35rem .8rem;font-size:.95rem}

        main{display:block;max-width:76rem;margin:0 auto;padding:1rem 1rem 4rem}
        h1{font-size:1.6rem;line-height:1.25;color:var(--accent);margin:.75rem 0 .75rem}
        h2{font-size:1.25rem;margin:1.75rem 0 .5rem}
        h3{font-size:1.05rem;margin:1.25rem 0 .5rem}
        p{margin:.5rem 0}
        .lead{color:var(--muted);margin-top:-.25rem}
        .back{display:inline-block;margin-top:.5rem}

        button,.button{display:inline-block;background:var(--accent);color:#fff;border:2px solid var(--accent);border-radius:.3rem;padding:.55rem 1.1rem;font:inherit;font-weight:600;cursor:pointer;text-decoration:none;line-height:1.3}
        button.secondary,.button.secondary{background:#fff;color:var(--accent)}
        button.danger{background:var(--error);border-color:var(--error)}
        button.small{padding:.3rem .65rem;font-size:.9rem}
        button:disabled{opacity:.6;cursor:default}
        .actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:1rem 0}

        .field{margin:0 0 1rem}
        .field>label,.field>.label,fieldset>legend{display:block;font-weight:600;margin-bottom:.25rem}
        .hint{display:block;color:var(--muted);font-size:.9rem;margin-bottom:.25rem}
        input[type=text],input[type=password],input[type=number],input[type=datetime-local],input[type=search],input[type=email],input[type=tel],input[type=file],select,textarea{width:100%;max-width:100%;padding:.5rem;font:inherit;border:2px solid #6b6b6b;border-radius:.3rem;background:#fff;color:var(--text)}
        input[type=number]{max-width:12rem}
        textarea{min-height:5rem}
        .invalid>input,.invalid>select,.invalid>textarea,input[aria-invalid=true],select[aria-invalid=true]{border-color:var(--error)}
        .field.invalid,fieldset.invalid{border-left:4px solid var(--error);padding-left:.75rem}
        .error{display:block;color:var(--error);font-weight:600;margin:.25rem 0}
        .error:empty{display:none}
        .check{display:flex;gap:.5rem;align-items:flex-start;margin:.35rem 0}
        .check input{width:1.2rem;height:1.2rem;margin-top:.2rem;flex:none}
        fieldset{border:1px solid var(--line);border-radius:.5rem;padding:1rem;margin:0 0 1.25rem;min-width:0}
        fieldset>legend{padding:0 .35rem;font-size:1.05rem}
        .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr));gap:0 1.25rem}
        .presets{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem}
        .other-offsets{margin-top:.75rem}.other-offsets>.label{display:block;font-weight:600;margin-bottom:.25rem}
        .offset-row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}.offset-row .field.unit{margin:0;width:5.5rem}.offset-row button{margin-bottom:.1rem}
        ul.offsets{list-style:none;padding:0;margin:.25rem 0 .5rem}ul.offsets li{margin:.2rem 0}
        .search-row{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end}.search-row .field{margin:0;flex:1 1 16rem}

        .session-row{display:grid;grid-template-columns:minmax(10rem,2fr) minmax(12rem,1.5fr) minmax(12rem,1.5fr) auto;gap:.5rem 1rem;align-items:end;border-top:1px solid var(--line);padding-top:.75rem;margin-top:.75rem}
        .session-row .field{margin:0}
        .session-row>button{margin-bottom:.1rem}
        .session-row>h3{grid-column:1/-1;margin:0;font-size:1rem}

        .summary{border:3px solid var(--error);padding:1rem;border-radius:.5rem;margin:1rem 0}
        .summary h2{margin-top:0;color:var(--error);font-size:1.1rem}
        .notice{border-left:5px solid var(--accent);background:var(--accent-soft);padding:.75rem 1rem;margin:1rem 0}
        .notice.ok{border-color:var(--ok);background:#e9f5ec}
        .notice.bad{border-color:var(--error);background:#fcebee}
        .notice h2{font-size:1.05rem;margin:0}
        #status:empty{display:none}
        #status{position:sticky;top:0;z-index:10;margin:0 auto;max-width:76rem;padding:.6rem 1rem;background:#e9f5ec;border-bottom:3px solid var(--ok);font-weight:600}

        .table-wrap{overflow-x:auto;margin:.5rem 0 1rem;border:1px solid var(--line);border-radius:.4rem}
        table{border-collapse:collapse;width:100%}
        th,td{border-bottom:1px solid var(--line);padding:.45rem .6rem;text-align:left;vertical-align:top}
        thead th{background:var(--soft);vertical-align:bottom}
        table.cycles tbody th{min-width:15rem}
        tbody tr:last-child>*{border-bottom:0}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        td small,th small,.sub{display:block;color:var(--muted);font-size:.85rem;font-weight:400}
        td .actions{margin:0}
        table.certs tbody th{white-space:nowrap}
        td select{min-width:11rem}
        td input[type=text]{min-width:10rem}

        .badge{display:inline-block;padding:.1rem .55rem;border-radius:1rem;font-size:.85rem;font-weight:600;background:var(--soft);border:1px solid #8a8a8a;color:var(--text);white-space:nowrap}
        .badge.phase-RegistrationOpen,.badge.st-Confirmed,.badge.st-Valid,.badge.yes{background:#e9f5ec;border-color:var(--ok);color:#14502a}
        .badge.phase-InTraining,.badge.phase-Completing,.badge.st-Waitlisted{background:#fff4e0;border-color:#a36500;color:var(--warn)}
        .badge.st-Unconfirmed{background:#fff4e0;border-color:#a36500;color:#6b4300;border-style:dashed;white-space:normal}
        .badge.phase-Cancelled,.badge.st-Withdrawn,.badge.st-Revoked,.badge.no,.badge.bounced{background:#fcebee;border-color:var(--error);color:#8a0019}
        .badge.mk-Present{background:#e9f5ec;border-color:var(--ok);color:#14502a}.badge.mk-Late{background:#fff4e0;border-color:#a36500;color:var(--warn)}
        .badge.mk-Excused{background:var(--accent-soft);border-color:var(--accent);color:var(--accent)}.badge.mk-Absent{background:#fcebee;border-color:var(--error);color:#8a0019}
        .badge.mk-Pending{background:#fff4e0;border-color:#a36500;color:#6b4300;border-style:dashed}
        .badge.phase-Completed{background:var(--accent-soft);border-color:var(--accent);color:var(--accent)}

        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(9.5rem,1fr));gap:.75rem;margin:.75rem 0 1rem;padding:0;list-style:none}
        .cards li{border:1px solid var(--line);border-radius:.5rem;padding:.6rem .8rem;background:var(--soft)}
        .cards .n{display:block;font-size:1.8rem;font-weight:700;color:var(--accent);font-variant-numeric:tabular-nums;line-height:1.2}
        .cards .l{display:block;color:var(--muted);font-size:.9rem}

        .phases{list-style:none;margin:.75rem 0 1rem;padding:0;display:flex;flex-wrap:wrap;gap:.35rem}
        .phases li{flex:1 1 8.5rem;padding:.5rem .6rem;border:2px solid var(--line);border-radius:.4rem;background:#fff;font-size:.95rem}
        .phases li .when{display:block;font-size:.8rem;color:var(--muted)}
        .phases li.done{background:var(--soft);border-color:#8a8a8a}
        .phases li.current{border-color:var(--accent);background:var(--accent-soft);font-weight:700}
        .phases li.cancelled{border-color:var(--error);background:#fcebee}

        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:.5rem 0}
        dl.facts dt{font-weight:600}dl.facts dd{margin:0;overflow-wrap:anywhere}

        .subnav{border-bottom:2px solid var(--line);margin:1rem 0}
        .subnav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem}
        .subnav a{display:block;padding:.5rem .9rem;text-decoration:none;font-weight:600;border:2px solid transparent;border-bottom:0;border-radius:.4rem .4rem 0 0;margin-bottom:-2px}
        .subnav a[aria-current=page]{border-color:var(--line);background:#fff;border-bottom:2px solid #fff;color:var(--text)}
        .subnav a:hover{text-decoration:underline}

        .filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end;margin:.5rem 0}
        .filters .field{margin:0;flex:1 1 14rem}
        .filters .field.narrow{flex:0 1 14rem}
        .pager{display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
        .pills{list-style:none;margin:.5rem 0;padding:0;display:flex;flex-wrap:wrap;gap:.5rem}
        .pills a{display:inline-block;padding:.35rem .75rem;border:2px solid var(--accent);border-radius:2rem;text-decoration:none;font-weight:600}
        .pills a[aria-current=page]{background:var(--accent);color:#fff}

        .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(30rem,100%),1fr));gap:1rem}
        figure{margin:0;border:1px solid var(--line);border-radius:.5rem;padding:.75rem}
        figcaption{font-weight:600;margin-bottom:.5rem}
        svg.chart{width:100%;height:auto;display:block}
        svg.chart text{font-size:14px;fill:#333}
        svg.chart .axis{stroke:#6b6b6b;stroke-width:1}
        svg.chart .grid-line{stroke:#d9d9d9;stroke-width:1}
        svg.chart .bar{fill:#9fbad3}
        svg.chart .line{fill:none;stroke:var(--accent);stroke-width:2.5}
        svg.chart .dot{fill:var(--accent)}
        .c-present{fill:#1e6b34;background:#1e6b34}.c-late{fill:#c98a00;background:#c98a00}.c-excused{fill:#3f7fbf;background:#3f7fbf}.c-absent{fill:#b00020;background:#b00020}.c-unmarked{fill:#c8c8c8;background:#c8c8c8}
        .legend{list-style:none;margin:.5rem 0 0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem;font-size:.9rem}
        .legend span.sw{display:inline-block;width:.9rem;height:.9rem;border-radius:.15rem;margin-right:.35rem;vertical-align:-.1rem;border:1px solid #555}
        details{margin:.5rem 0}
        summary{cursor:pointer;color:var(--accent);font-weight:600}

        ol.events{list-style:none;margin:1rem 0;padding:0;border-left:3px solid var(--accent)}
        ol.events li{position:relative;margin:0 0 .9rem;padding-left:1rem}
        ol.events li::before{content:"";position:absolute;left:-.5rem;top:.45rem;width:.7rem;height:.7rem;border-radius:50%;background:var(--accent);border:2px solid #fff}
        ol.events li.bad::before{background:var(--error)}
        ol.events li.good::before{background:var(--ok)}
        ol.events time{display:block;font-size:.85rem;color:var(--muted)}
        ol.events .what{font-weight:600}

        .code-box{border:2px solid var(--accent);border-radius:.5rem;padding:1rem;margin:1rem 0;text-align:center}
        .code-box .big{font-size:3.5rem;font-weight:700;letter-spacing:.3rem;font-variant-numeric:tabular-nums;line-height:1.1}

        dialog{border:0;border-radius:.6rem;padding:1.25rem;max-width:34rem;width:calc(100% - 2rem);box-shadow:0 10px 40px rgba(0,0,0,.35)}
        dialog::backdrop{background:rgba(0,0,0,.45)}
        dialog h2{margin-top:0}
        dialog.wide{max-width:48rem}
        dialog .grid{grid-template-columns:repeat(auto-fit,minmax(13rem,1fr))}
        td .row-actions{flex-direction:column;align-items:stretch;gap:.35rem;margin-top:.35rem}
        td .row-actions button{white-space:nowrap;padding:.3rem .45rem}

        @media (max-width:48rem){
          .session-row{grid-template-columns:1fr 1fr}
          .session-row .field:first-of-type{grid-column:1/-1}
          h1{font-size:1.4rem}
          dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}
        }
        @media (prefers-reduced-motion:reduce){*{scroll-behavior:auto!important}}
        """;
}
