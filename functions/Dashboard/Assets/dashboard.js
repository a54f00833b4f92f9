// Organizer dashboard for training cycles. Hand-written, no framework, no build step: served as this file (embedded
// in the function app, addressed by content hash) and linted by `npm run lint` from the test command.
// Every piece of data comes from the API as the signed-in person (the platform's sign-in cookie); no key, ever.
(() => {
  'use strict';

  const API = new URL('../', document.currentScript.src); // this file is {prefix}/dashboard/app.js
  const LANG = 'trainingCycles.lang';
  const PHASES = ['Inviting', 'RegistrationOpen', 'AwaitingTraining', 'InTraining', 'Completing', 'Completed'];
  const MARKS = ['Present', 'Late', 'Excused', 'Absent'];
  const PRESETS = [['P7D', 'preset.P7D'], ['P3D', 'preset.P3D'], ['P1D', 'preset.P1D'], ['PT2H', 'preset.PT2H']];

  // ---------------------------------------------------------------- words

  // The words come from the app's one text catalog (Infrastructure/Texts, keys "Dash_…"): the page carries both
  // languages in its <main data-texts>, so switching language needs no reload.
  const TEXTS = JSON.parse(document.getElementById('main').dataset.texts || '{"id":{},"en":{}}');
  const catalogKey = (key) => 'Dash_' + key.replace(/[^A-Za-z0-9]/g, '_');

  let lang = initialLanguage();

  function initialLanguage() {
    const stored = safe(() => localStorage.getItem(LANG));
    if (stored === 'id' || stored === 'en') return stored;
    // Bahasa Indonesia unless this person chose English (stored) or the link says ?lang=en; never the browser's locale.
    return document.documentElement.lang === 'en' ? 'en' : 'id';
  }

  function t(key, vars) {
    const k = catalogKey(key);
    let text = TEXTS[lang][k] ?? TEXTS.id[k] ?? key;
    for (const [name, value] of Object.entries(vars || {})) text = text.split('{' + name + '}').join(String(value));
    return text;
  }

  function safe(fn) {
    try { return fn(); } catch { return null; }
  }

  // ---------------------------------------------------------------- DOM helpers (text only, never innerHTML)

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttributes(el, attrs);
    append(el, children);
    return el;
  }

  function svg(tag, attrs, ...children) {
    const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
    setAttributes(el, attrs);
    append(el, children);
    return el;
  }

  function setAttributes(el, attrs) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
      else if (name === 'text') el.textContent = value;
      else if (name === 'value' && 'value' in el && el.tagName !== 'BUTTON') el.value = value;
      else if (name === 'checked' || name === 'selected') el[name] = Boolean(value);
      else el.setAttribute(name, value === true ? '' : String(value));
    }
  }

  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  let idSeq = 0;
  const uid = (prefix) => `${prefix}-${++idSeq}`;

  function tableWrap(label, table) {
    // A scrollable region must be reachable by keyboard and named.
    return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': label }, table);
  }

  function simpleTable(label, headers, rows, className) {
    return tableWrap(label, h('table', { class: className },
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col', class: x.num ? 'num' : null }, x.text ?? x)))),
      h('tbody', {}, rows)));
  }

  // ---------------------------------------------------------------- times, in the cycle's zone

  const zoneLabel = (tz) => ({ 'Asia/Jakarta': 'WIB', 'Asia/Pontianak': 'WIB', 'Asia/Makassar': 'WITA', 'Asia/Jayapura': 'WIT' })[tz] || tz;
  const locale = () => (lang === 'en' ? 'en-GB' : 'id-ID');

  function fmt(iso, tz, style = 'long') {
    if (!iso) return '—';
    // Spelled out rather than dateStyle 'full', which writes "Rabu, 02 Desember 2026" in id-ID.
    const clock = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    const options = style === 'date' ? { dateStyle: 'medium' } : style === 'time' ? { timeStyle: 'short' }
      : style === 'long' ? { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', ...clock } : { dateStyle: 'medium', timeStyle: 'short' };
    const text = new Intl.DateTimeFormat(locale(), { ...options, timeZone: tz || 'Asia/Jakarta' }).format(new Date(iso));
    return style === 'date' ? text : `${text} ${zoneLabel(tz || 'Asia/Jakarta')}`;
  }

  function timeEl(iso, tz, style) {
    return h('time', { datetime: iso, text: fmt(iso, tz, style) });
  }

  /** "YYYY-MM-DDTHH:mm" of an instant in a zone, for datetime-local inputs. */
  function toLocalInput(iso, tz) {
    if (!iso) return '';
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
      timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
    return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
  }

  const number = (n) => new Intl.NumberFormat(locale()).format(n ?? 0);

  // ---------------------------------------------------------------- who is signed in, and the API

  let me = null; // GET me: {user, grants, rolePermissions}; null until known
  let signInLinks = null; // details.signIn of a 401

  class SignedOut extends Error {}

  /** Whether the signed-in person's grants allow a permission (in a cycle / session); the API decides, this only hides. */
  function can(permission, cycleId, sessionId) {
    if (!me) return false;
    return me.grants.some((g) => (me.rolePermissions[g.role] || []).includes(permission) &&
      (!g.cycleId || (cycleId !== undefined && g.cycleId === cycleId && (!sessionId || !g.sessionId || g.sessionId === sessionId))));
  }

  async function loadMe() {
    const result = await api('me', { noSignOut: true });
    me = result.ok ? result.data : null;
    if (result.status === 401) signInLinks = (result.data && result.data.error && result.data.error.details && result.data.error.details.signIn) || null;
    return result;
  }

  async function api(path, { method = 'GET', json, body, accept = 'application/json', extraHeaders = {}, noSignOut = false } = {}) {
    const headers = { ...extraHeaders, Accept: accept };
    if (json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(json);
    }

    let response;
    try {
      response = await fetch(new URL(path, API), { method, headers, body, cache: 'no-store', credentials: 'same-origin', referrerPolicy: 'no-referrer' });
    } catch {
      return { ok: false, status: 0, data: null, message: t('net.error') };
    }

    if (response.status === 401 && !noSignOut) {
      me = null;
      signOut(t('signin.expired'));
      throw new SignedOut();
    }

    if (accept !== 'application/json') return { ok: response.ok, status: response.status, response };
    const text = await response.text();
    const data = safe(() => (text ? JSON.parse(text) : null));
    return { ok: response.ok, status: response.status, data, message: response.ok ? '' : errorMessage(data, response.status) };
  }

  function errorMessage(data, status) {
    const error = data && data.error;
    if (error) return lang === 'en' ? (error.messageEn || error.message) : (error.message || error.messageEn);
    return t('server.error', { status });
  }

  const detailMessage = (d) => (lang === 'en' ? (d.messageEn || d.message) : (d.message || d.messageEn));

  async function download(path, fallbackName, accept = 'text/csv') {
    const result = await api(path, { accept });
    if (!result.ok) {
      announce(t('server.error', { status: result.status }), true);
      return;
    }

    const disposition = result.response.headers.get('Content-Disposition') || '';
    const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
    const blob = await result.response.blob();
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: match ? decodeURIComponent(match[1]) : fallbackName, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30000);
  }

  // ---------------------------------------------------------------- page frame, messages, routing

  let main;
  let header;
  let statusRegion;
  let flash = null;
  let navSeq = 0;
  const timers = new Set();
  const cleanups = new Set(); // e.g. a camera left on: stopped when the view changes

  /** Builds the page frame once: skip link, header, a live region for messages, main. */
  function frame() {
    if (!main) {
      const skip = h('a', { class: 'skip', href: '#main', onclick: (e) => { e.preventDefault(); main.focus(); } });
      header = h('header', { class: 'top' });
      statusRegion = h('div', { id: 'status', role: 'status', 'aria-live': 'polite' });
      main = h('main', { id: 'main', tabindex: -1 });
      document.body.replaceChildren(skip, header, statusRegion, main);
    }

    document.documentElement.lang = lang;
    document.querySelector('.skip').textContent = t('skip');
    const signedIn = Boolean(me);
    const where = location.hash.startsWith('#/new') ? 'new' : location.hash.startsWith('#/access') ? 'access' : location.hash.startsWith('#/audit') ? 'audit' : location.hash.startsWith('#/records') ? 'records' : location.hash.startsWith('#/privacy') ? 'privacy' : 'cycles';
    const navLink = (href, text, current) => h('li', {}, h('a', { href, text, 'aria-current': current ? 'page' : null }));
    header.replaceChildren(h('div', { class: 'top-inner' },
      h('div', { class: 'brand' }, t('app.title'), h('small', { text: t('app.org') })),
      signedIn ? h('nav', { 'aria-label': t('nav.main') }, h('ul', {},
        navLink('#/', t('nav.cycles'), where === 'cycles'),
        can('createCycle') ? navLink('#/new', t('nav.new'), where === 'new') : null,
        can('manageAccess') ? navLink('#/access', t('nav.access'), where === 'access') : null,
        can('viewAudit') ? navLink('#/audit', t('nav.audit'), where === 'audit') : null,
        can('viewPersonalData') ? navLink('#/records', t('nav.records'), where === 'records') : null,
        can('managePrivacy') ? navLink('#/privacy', t('nav.privacy'), where === 'privacy') : null)) : null,
      h('div', { class: 'tools' },
        signedIn ? h('span', { class: 'who', id: 'who' }, t('me.as', { name: me.user.name }),
          h('small', { text: me.grants.length ? me.grants.map(grantLabel).join('; ') : t('me.noRoles') })) : null,
        h('button', { type: 'button', lang: lang === 'en' ? 'id' : 'en', onclick: switchLanguage, text: t('lang.switch') }),
        signedIn && me.signOut ? h('a', { class: 'button secondary', href: `${me.signOut}?post_logout_redirect_uri=${encodeURIComponent(location.pathname)}`, text: t('signout') }) : null)));
  }

  function announce(text, isError = false) {
    statusRegion.className = isError ? 'bad' : '';
    statusRegion.setAttribute('role', isError ? 'alert' : 'status');
    statusRegion.textContent = '';
    // Set after a tick, so screen readers announce a repeated message too.
    setTimeout(() => { statusRegion.textContent = text; }, 50);
  }

  /** Goes to a view (re-rendering when already there), with an optional message shown once it is drawn. */
  function navigate(hash, message) {
    flash = message || null;
    if (location.hash === hash) route(); else location.hash = hash;
  }

  function switchLanguage() {
    lang = lang === 'en' ? 'id' : 'en';
    safe(() => localStorage.setItem(LANG, lang));
    route();
  }

  const grantLabel = (g) => `${t('role.' + g.role)} (${[g.cycleId || t('me.allCycles'), g.sessionId, g.agency].filter(Boolean).join(' · ')})`;

  function signOut(message) {
    navSeq++;
    stopTimers();
    closeDialogs();
    frame();
    statusRegion.textContent = '';
    renderSignIn(message);
  }

  function stopTimers() {
    for (const id of timers) clearTimeout(id);
    timers.clear();
    for (const stop of cleanups) stop();
    cleanups.clear();
  }

  function later(fn, ms) {
    const id = setTimeout(() => { timers.delete(id); fn(); }, ms);
    timers.add(id);
  }

  /** Splits "#/cycles/abc/participants?status=x" into parts and query. */
  function parseHash() {
    const raw = location.hash.replace(/^#\/?/, '');
    const [path, query = ''] = raw.split('?');
    return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
  }

  /** Closes every open dialog: a modal left over a view it does not belong to would block it. */
  function closeDialogs() {
    document.querySelectorAll('dialog').forEach((d) => { if (d.open) d.close(); else d.remove(); });
  }

  async function route() {
    if (location.hash && !location.hash.startsWith('#/')) return; // an in-page anchor, not a view
    stopTimers();
    closeDialogs(); // back, forward, a tab or a link: the dialog belonged to the view being left
    const seq = ++navSeq;
    frame();
    statusRegion.textContent = '';
    if (!me) {
      const who = await loadMe();
      if (seq !== navSeq) return;
      frame();
      if (!me) {
        renderSignIn(who.status === 401 ? null : who.message);
        return;
      }
    }

    const { parts, query } = parseHash();
    const view = (parts[0] === 'cycles' && parts[1]) ? 'cycle' : parts[0] === 'new' ? 'new' : parts[0] === 'access' ? 'access' : parts[0] === 'audit' ? 'audit' : parts[0] === 'records' ? 'records' : parts[0] === 'privacy' ? 'privacy' : 'list';
    const stillHere = () => seq === navSeq;
    main.replaceChildren(h('p', { text: t('loading') }));
    try {
      if (view === 'new') renderCreate(stillHere);
      else if (view === 'access') await renderAccess(stillHere);
      else if (view === 'audit') await renderAudit(query, stillHere);
      else if (view === 'records') await renderRecords(query, stillHere);
      else if (view === 'privacy') await renderPrivacy(query, stillHere);
      else if (view === 'cycle') await renderCycle(parts[1], parts[2] || 'overview', parts.slice(3), query, stillHere);
      else await renderList(stillHere);
    } catch (e) {
      if (!(e instanceof SignedOut)) throw e;
    }

    if (flash && stillHere()) {
      announce(flash);
      flash = null;
    }
  }

  function show(stillHere, title, ...content) {
    if (!stillHere()) return false;
    document.title = `${title} — ${t('app.title')}`;
    main.replaceChildren(...content.flat(Infinity).filter((x) => x !== null && x !== undefined && x !== false));
    const heading = main.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      if (document.activeElement === document.body || !document.activeElement || !main.contains(document.activeElement)) heading.focus({ preventScroll: true });
    }

    return true;
  }

  function failure(stillHere, result) {
    show(stillHere, t('app.title'), h('h1', { text: t('app.title') }), h('p', { class: 'notice bad', role: 'alert', text: result.message }),
      h('p', {}, h('a', { href: '#/', text: t('nav.cycles') })));
  }

  // ---------------------------------------------------------------- sign in

  function renderSignIn(message) {
    document.title = t('signin.title');
    const back = encodeURIComponent(location.pathname + location.hash);
    const links = signInLinks || [{ method: 'email', url: '/api/signin' }];
    main.replaceChildren(h('h1', { text: t('signin.title') }), message ? h('p', { class: 'notice', role: 'status', text: message }) : null,
      h('p', { text: t('signin.text') }),
      h('ul', { class: 'signin' }, links.map((l) => h('li', {}, h('a', {
        class: 'button', href: l.method === 'easyauth' ? `${l.url}?post_login_redirect_uri=${back}` : l.url, text: t('signin.' + l.method),
      })))));
  }

  // ---------------------------------------------------------------- user roles (administrators)

  async function renderAccess(stillHere) {
    const result = await api('access/grants');
    if (!result.ok) return failure(stillHere, result);
    const fields = new FieldMap();
    const user = h('input', { type: 'email', autocomplete: 'off' });
    const role = h('select', {}, ['organizer', 'instructor', 'coordinator', 'viewer', 'administrator'].map((r) => h('option', { value: r, text: t('role.' + r) })));
    const cycle = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
    const session = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
    const agency = h('input', { type: 'text', autocomplete: 'off' });
    const submit = h('button', { type: 'submit', text: t('acc.grant') });
    const summary = h('div', {});
    const form = h('form', { novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      submit.disabled = true;
      const answer = await api('access/grants', { method: 'POST', json: { user: user.value, role: role.value, cycleId: cycle.value, sessionId: session.value, agency: agency.value } });
      submit.disabled = false;
      if (!answer.ok) {
        fields.show(summary, (answer.data && answer.data.error && Array.isArray(answer.data.error.details) && answer.data.error.details) || [{ text: answer.message }]);
        return;
      }

      navigate('#/access', answer.data.created ? t('acc.granted') : t('acc.exists'));
    } },
    summary, fields.field('user', t('acc.user'), user), fields.field('role', t('acc.role'), role), fields.field('cycleId', t('acc.cycle'), cycle),
    fields.field('sessionId', t('acc.session'), session), fields.field('agency', t('acc.agency'), agency),
    h('div', { class: 'actions' }, submit));
    const items = result.data.items;
    const first = result.data.firstAdministrators.map((a) => a.subject.replace(/^email:/, '')).join(', ');
    show(stillHere, t('acc.title'), h('h1', { text: t('acc.title') }), h('p', { text: t('acc.lead') }),
      first ? h('p', { class: 'hint', text: t('acc.first', { list: first }) }) : null,
      items.length === 0 ? h('p', { class: 'notice', text: t('acc.none') }) : simpleTable(t('acc.title'), [t('acc.user'), t('acc.role'), t('acc.scope'), t('acc.by'), ''],
        items.map((g) => h('tr', {},
          h('th', { scope: 'row', text: g.subject.replace(/^email:/, '') }),
          h('td', { text: t('role.' + g.role) }),
          h('td', { text: [g.cycleId || t('me.allCycles'), g.sessionId, g.agency].filter(Boolean).join(' · ') }),
          h('td', {}, g.grantedByName || g.grantedBy || '', ' ', timeEl(g.grantedAt, 'Asia/Jakarta', 'short')),
          h('td', {}, h('button', { type: 'button', class: 'danger small', text: t('acc.revoke'), 'aria-label': t('acc.revokeFor', { role: t('role.' + g.role), user: g.subject.replace(/^email:/, '') }), onclick: async () => {
            const answer = await api(`access/grants/${encodeURIComponent(g.id)}`, { method: 'DELETE' });
            if (answer.ok || answer.status === 404) navigate('#/access', t('acc.revoked'));
            else announce(answer.message, true);
          } })))), 'grants'),
      h('h2', { text: t('acc.grant') }), form);
  }

  // ---------------------------------------------------------------- audit trail (administrators)

  const AUDIT_FILTERS = ['cycleId', 'actorId', 'participantId', 'action'];

  async function renderAudit(query, stillHere) {
    const filters = new URLSearchParams();
    AUDIT_FILTERS.forEach((k) => { if (query.get(k)) filters.set(k, query.get(k)); });
    const result = await api('audit?' + filters.toString());
    if (!result.ok) return failure(stillHere, result);
    const inputs = {
      cycleId: h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', value: query.get('cycleId') || '' }),
      actorId: h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', value: query.get('actorId') || '' }),
      participantId: h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', value: query.get('participantId') || '' }),
      action: h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', value: query.get('action') || '' }),
    };
    const labels = { cycleId: t('aud.cycle'), actorId: t('aud.actor'), participantId: t('aud.participant'), action: t('aud.action') };
    const fields = new FieldMap();
    const form = h('form', { class: 'filters', onsubmit: (e) => {
      e.preventDefault();
      const next = new URLSearchParams();
      AUDIT_FILTERS.forEach((k) => { if (inputs[k].value.trim()) next.set(k, inputs[k].value.trim()); });
      navigate('#/audit' + (next.toString() ? '?' + next.toString() : ''));
    } },
    h('div', { class: 'grid' }, AUDIT_FILTERS.map((k) => fields.field(k, labels[k], inputs[k]))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: t('aud.filter') }), h('a', { href: '#/audit', text: t('aud.clear') })));
    const entries = result.data.entries;
    const change = (e) => (e.before || e.after) ? h('code', { text: `${e.before || '—'} → ${e.after || '—'}` }) : null;
    const filterLink = (key, value, text) => h('a', { href: `#/audit?${key}=${encodeURIComponent(value)}`, text });
    show(stillHere, t('aud.title'), h('h1', { text: t('aud.title') }), h('p', { text: t('aud.lead') }), form,
      h('p', { class: 'hint', role: 'status', text: t('aud.count', { count: result.data.count, max: result.data.max }) }),
      entries.length === 0 ? h('p', { class: 'notice', text: t('aud.none') }) : simpleTable(t('aud.title'), [t('aud.at'), t('aud.who'), t('aud.from'), t('aud.what'), t('aud.whose'), t('aud.details'), t('aud.change')],
        entries.map((e) => h('tr', { 'data-action': e.action },
          h('td', {}, timeEl(e.at, 'Asia/Jakarta', 'short')),
          h('th', { scope: 'row' }, filterLink('actorId', e.actor.id || '', e.actor.name || e.actor.id || ''), h('small', { text: [e.actor.id, e.actor.method].filter(Boolean).join(' · ') })),
          h('td', { text: e.actor.from || '' }),
          h('td', {}, filterLink('action', e.action, e.action)),
          h('td', {}, e.cycleId ? filterLink('cycleId', e.cycleId, e.cycleId) : null, e.participantId ? h('small', {}, filterLink('participantId', e.participantId, e.participantId)) : null),
          h('td', { text: e.details || '' }),
          h('td', {}, change(e)))), 'audit'));
  }

  // ---------------------------------------------------------------- list of cycles

  async function renderList(stillHere) {
    const result = await api('cycles');
    if (!result.ok) return failure(stillHere, result);
    const items = [...result.data.items].sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
    const countCols = ['invited', 'confirmed', 'waitlisted', 'eligible', 'certified'];
    const content = [
      h('h1', { text: t('list.title') }),
      can('createCycle') ? h('p', {}, h('a', { class: 'button', href: '#/new', text: t('list.new') })) : null,
    ];
    if (items.length === 0) content.push(h('p', { class: 'notice', text: t('list.empty') }));
    else {
      content.push(simpleTable(t('list.title'),
        [t('col.title'), t('col.phase'), t('col.closes'), t('col.starts'), ...countCols.map((c) => ({ text: t('count.' + c), num: true }))],
        items.map((c) => h('tr', {},
          h('th', { scope: 'row' }, h('a', { href: `#/cycles/${encodeURIComponent(c.cycleId)}`, text: c.title })),
          h('td', {}, phaseBadge(c.phase)),
          h('td', {}, timeEl(c.registrationClosesAt, c.timeZone, 'short')),
          h('td', {}, timeEl(c.trainingStartsAt, c.timeZone, 'short')),
          countCols.map((k) => h('td', { class: 'num', text: number(c.counts[k]) })))), 'cycles'));
    }

    show(stillHere, t('list.title'), content);
  }

  const phaseBadge = (phase) => h('span', { class: `badge phase-${phase}`, text: t('phase.' + phase) });

  // ---------------------------------------------------------------- forms: fields that show the API's errors

  /** A form whose controls are registered under the API's field names ("sessions[0].endsAt"). */
  class FieldMap {
    constructor() { this.fields = new Map(); }

    /** Labelled control with hint and error slot. */
    field(name, label, control, hint) {
      const id = control.id || uid('f');
      control.id = id;
      control.name = control.name || name;
      const error = h('span', { class: 'error', id: id + '-error' });
      const hintEl = hint ? h('span', { class: 'hint', id: id + '-hint', text: hint }) : null;
      control.setAttribute('aria-describedby', [hintEl ? id + '-hint' : null, id + '-error'].filter(Boolean).join(' '));
      const wrapper = h('div', { class: 'field' }, h('label', { for: id, text: label }), hintEl, error, control);
      this.fields.set(name, { wrapper, error, focus: control });
      return wrapper;
    }

    /** A group (fieldset) that takes errors for a name and everything under it without its own field. */
    group(name, legend, ...children) {
      const error = h('span', { class: 'error', id: uid('g') + '-error' });
      const set = h('fieldset', { 'aria-describedby': error.id }, h('legend', { text: legend }), error, ...children);
      this.fields.set(name, { wrapper: set, error, focus: null });
      return set;
    }

    find(field) {
      let name = field || '';
      while (name) {
        if (this.fields.has(name)) return this.fields.get(name);
        const cut = Math.max(name.lastIndexOf('.'), name.lastIndexOf('['));
        if (cut <= 0) break;
        name = name.slice(0, cut);
      }
      return null;
    }

    clear(summarySlot) {
      for (const f of this.fields.values()) {
        f.error.textContent = '';
        f.wrapper.classList.remove('invalid');
        f.focus?.removeAttribute('aria-invalid');
      }

      summarySlot.replaceChildren();
    }

    /** Puts each error next to its field and a linked summary on top; focuses the summary. */
    show(summarySlot, errors) {
      this.clear(summarySlot);
      const items = errors.map((e) => {
        const target = this.find(e.field);
        const message = e.text || detailMessage(e);
        if (target) {
          target.error.textContent = target.error.textContent ? `${target.error.textContent} ${message}` : message;
          target.wrapper.classList.add('invalid');
          target.focus?.setAttribute('aria-invalid', 'true');
        }

        const focusTarget = target?.focus || target?.wrapper.querySelector('input,select,textarea,button');
        return h('li', {}, focusTarget
          ? h('a', { href: '#' + focusTarget.id, text: message, onclick: (ev) => { ev.preventDefault(); focusTarget.focus(); } })
          : message);
      });
      const summary = h('div', { class: 'summary', role: 'alert', tabindex: -1 }, h('h2', { text: t('errors.title', { n: errors.length }) }), h('ul', {}, items));
      summarySlot.replaceChildren(summary);
      summary.focus();
    }
  }

  const input = (type, attrs = {}) => h('input', { type, ...attrs });

  function checkbox(fields, name, label, checked) {
    const box = input('checkbox', { id: uid('c'), name, checked });
    const wrapper = h('div', { class: 'check' }, box, h('label', { for: box.id, text: label }));
    fields.fields.set(name, { wrapper, error: h('span'), focus: box });
    return { wrapper, box };
  }

  /** #22: the identity rows the certificate prints under the name (certificate.printedFields), in the print order. */
  function printedFieldsGroup(fields) {
    const boxes = ['nip', 'birth', 'rank', 'position', 'agency'].map((value) => {
      const box = input('checkbox', { id: uid('pf'), value, checked: true });
      return { box, el: h('div', { class: 'check' }, box, h('label', { for: box.id, text: t('f.printed.' + value) })) };
    });
    const error = h('span', { class: 'error', id: uid('pfe') });
    const hint = h('span', { class: 'hint', id: uid('pfh'), text: t('f.printed.hint') });
    for (const b of boxes) b.box.setAttribute('aria-describedby', `${hint.id} ${error.id}`);
    const el = h('fieldset', { class: 'field', id: 'printed-fields' }, h('legend', { text: t('f.printed') }), hint, error, ...boxes.map((b) => b.el));
    fields.fields.set('certificate.printedFields', { wrapper: el, error, focus: boxes[0].box });
    return { el, value: () => boxes.filter((b) => b.box.checked).map((b) => b.box.value) };
  }

  /** Integer from a number input: undefined when empty, NaN when not a whole number. */
  function integer(control) {
    const text = control.value.trim();
    if (text === '') return undefined;
    return /^-?\d+$/.test(text) ? Number(text) : NaN;
  }

  /** "P2DT6H" from days, hours and minutes (PT6M for six minutes); null when all are zero. */
  function isoOffset(days, hours, minutes) {
    if (!days && !hours && !minutes) return null;
    const time = (hours ? hours + 'H' : '') + (minutes ? minutes + 'M' : '');
    return 'P' + (days ? days + 'D' : '') + (time ? 'T' + time : '');
  }

  /** "2 hari 6 jam" for P2DT6H; the ISO text itself for anything else. */
  function offsetLabel(iso) {
    const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(iso);
    if (!m || iso === 'P' || iso.endsWith('T')) return iso;
    const part = (n, unit) => (n && Number(n) ? t(Number(n) === 1 ? `u.${unit}` : `u.${unit}s`, { n: Number(n) }) : null);
    return [part(m[1], 'week'), part(m[2], 'day'), part(m[3], 'hour'), part(m[4], 'minute')].filter(Boolean).join(' ') || iso;
  }

  /** Reminder offsets: preset boxes plus other times entered as days, hours and minutes (sent as ISO-8601). */
  function reminderGroup(fields, name, legend, selected) {
    const chosen = new Set(selected);
    const boxes = PRESETS.map(([value, label]) => {
      const box = input('checkbox', { id: uid('r'), value, checked: chosen.has(value) });
      chosen.delete(value);
      return { box, el: h('div', { class: 'check' }, box, h('label', { for: box.id, text: t(label) })) };
    });
    const extra = [...chosen];
    const unit = (key) => {
      const control = input('number', { id: uid('u'), min: 0, step: 1, inputmode: 'numeric', 'data-unit': key });
      return { control, el: h('div', { class: 'field unit' }, h('label', { for: control.id, text: t('f.offset.' + key) }), control) };
    };
    const days = unit('days');
    const hours = unit('hours');
    const minutes = unit('minutes');
    const error = h('span', { class: 'error', id: uid('oe') });
    const hint = h('span', { class: 'hint', id: uid('oh'), text: t('f.otherOffsets.hint') });
    for (const u of [days, hours, minutes]) u.control.setAttribute('aria-describedby', `${hint.id} ${error.id}`);
    const list = h('ul', { class: 'offsets' });

    /** The offset typed into the three fields: undefined when empty, NaN when not whole numbers ≥ 0. */
    const pending = () => {
      const values = [days, hours, minutes].map((u) => integer(u.control));
      if (values.some((v) => Number.isNaN(v) || v < 0)) return NaN;
      return isoOffset(...values.map((v) => v || 0)) ?? undefined;
    };
    const add = h('button', { type: 'button', class: 'secondary small', text: t('f.addOffset'), onclick: () => {
      const iso = pending();
      error.textContent = '';
      if (iso === undefined || Number.isNaN(iso)) {
        error.textContent = t('f.offset.invalid');
        days.control.focus();
        return;
      }

      if (!extra.includes(iso) && !boxes.some((b) => b.box.value === iso)) extra.push(iso);
      else boxes.filter((b) => b.box.value === iso).forEach((b) => { b.box.checked = true; });
      for (const u of [days, hours, minutes]) u.control.value = '';
      draw();
      days.control.focus();
    } });

    function draw() {
      list.replaceChildren(...extra.map((iso, i) => h('li', { 'data-offset': iso }, h('span', { text: offsetLabel(iso) === iso ? iso : `${offsetLabel(iso)} (${iso})` }), ' ',
        h('button', { type: 'button', class: 'secondary small', text: t('f.removeOffset'), 'aria-label': t('f.removeOffsetFor', { what: offsetLabel(iso) }), onclick: () => {
          extra.splice(i, 1);
          draw();
          add.focus();
        } }))));
    }

    draw();
    const labelId = uid('ol');
    const other = h('div', { class: 'other-offsets', role: 'group', 'aria-labelledby': labelId },
      h('span', { class: 'label', id: labelId, text: t('f.otherOffsets') }), hint, error, list,
      h('div', { class: 'offset-row' }, days.el, hours.el, minutes.el, add));
    const group = fields.group(name, legend, h('div', { class: 'presets' }, boxes.map((b) => b.el)), other);
    fields.fields.get(name).focus = boxes[0].box;
    return {
      el: group,
      value: () => {
        const typed = pending();
        return [...new Set([...boxes.filter((b) => b.box.checked).map((b) => b.box.value), ...extra, ...(typeof typed === 'string' ? [typed] : [])])];
      },
    };
  }

  /** Session rows: add and remove; each row's fields are named sessions[i].title/startsAt/endsAt. */
  function sessionEditor(fields, initial) {
    const rows = initial.length ? initial.map((s) => ({ ...s })) : [{ title: '', startsAt: '', endsAt: '' }];
    const list = h('div', {});
    const addButton = h('button', { type: 'button', class: 'secondary', text: t('f.addSession'), onclick: () => {
      sync();
      const last = rows[rows.length - 1];
      rows.push({ title: '', startsAt: last?.endsAt ? last.endsAt.slice(0, 10) + 'T08:00' : '', endsAt: '' });
      draw();
      list.querySelectorAll('input')[(rows.length - 1) * 3]?.focus();
    } });
    let controls = [];

    function sync() {
      controls.forEach((c, i) => {
        rows[i].title = c.title.value;
        rows[i].startsAt = c.startsAt.value;
        rows[i].endsAt = c.endsAt.value;
      });
    }

    function draw() {
      for (const name of [...fields.fields.keys()]) if (name.startsWith('sessions[')) fields.fields.delete(name);
      controls = rows.map((row) => ({
        title: input('text', { value: row.title, autocomplete: 'off' }),
        startsAt: input('datetime-local', { value: row.startsAt }),
        endsAt: input('datetime-local', { value: row.endsAt }),
      }));
      list.replaceChildren(...controls.map((c, i) => {
        const n = i + 1;
        const remove = rows.length > 1 ? h('button', { type: 'button', class: 'secondary small', text: t('f.removeSession', { n }), onclick: () => {
          sync();
          rows.splice(i, 1);
          draw();
          addButton.focus();
        } }) : h('span');
        const row = h('div', { class: 'session-row', role: 'group', 'aria-label': t('f.session', { n }) },
          h('h3', { text: t('f.session', { n }) }),
          fields.field(`sessions[${i}].title`, t('f.sessionTitle'), c.title),
          fields.field(`sessions[${i}].startsAt`, t('f.startsAt'), c.startsAt),
          fields.field(`sessions[${i}].endsAt`, t('f.endsAt'), c.endsAt),
          remove);
        fields.fields.set(`sessions[${i}]`, { wrapper: row, error: row.querySelector('.error'), focus: c.startsAt });
        return row;
      }));
    }

    draw();
    const group = fields.group('sessions', t('sec.sessions'), h('span', { class: 'hint', text: t('f.sessions.hint') }), list, h('div', { class: 'actions' }, addButton));
    return {
      el: group,
      value: () => {
        sync();
        return rows.map((r) => ({ ...(r.id ? { id: r.id } : {}), title: r.title.trim() || null, startsAt: r.startsAt || null, endsAt: r.endsAt || null }));
      },
    };
  }

  /** "go.id, kalteng.go.id" → ["go.id", "kalteng.go.id"]; null when empty (any domain). */
  function domainList(text) {
    const list = text.split(/[,;\s]+/).map((d) => d.trim()).filter(Boolean);
    return list.length ? list : null;
  }

  function timeZoneSelect(value) {
    const zones = [['Asia/Jakarta', 'WIB — Asia/Jakarta'], ['Asia/Pontianak', 'WIB — Asia/Pontianak'], ['Asia/Makassar', 'WITA — Asia/Makassar'], ['Asia/Jayapura', 'WIT — Asia/Jayapura']];
    return h('select', {}, zones.map(([zone, label]) => h('option', { value: zone, selected: zone === value, text: label })));
  }

  // ---------------------------------------------------------------- create a cycle

  function renderCreate(stillHere) {
    const fields = new FieldMap();
    const createAttempt = { body: null, key: null };
    const summary = h('div', {});
    const c = {
      title: input('text', { autocomplete: 'off' }),
      organizerName: input('text', { autocomplete: 'organization', value: 'BPSDM Provinsi Kalimantan Tengah' }),
      venue: input('text', { autocomplete: 'off' }),
      description: h('textarea', { rows: 3 }),
      timeZone: timeZoneSelect('Asia/Jakarta'),
      capacity: input('number', { min: 1, step: 1, inputmode: 'numeric', value: '40' }),
      registrationOpensAt: input('datetime-local'),
      registrationClosesAt: input('datetime-local'),
      minimumAttendancePercent: input('number', { min: 0, max: 100, step: 1, value: '80' }),
      numberFormat: input('text', { value: '{seq:000}/BPSDM-KT/{yyyy}', autocomplete: 'off', spellcheck: 'false' }),
      trainingHours: input('number', { min: 1, step: 1, value: '40' }),
      signatoryName: input('text', { autocomplete: 'off' }),
      signatoryTitle: input('text', { autocomplete: 'off', value: 'Kepala BPSDM Provinsi Kalimantan Tengah' }),
      signatoryNip: input('text', { autocomplete: 'off', inputmode: 'numeric' }),
      signingPlace: input('text', { autocomplete: 'off', value: 'Palangka Raya' }),
      opensMinutesBeforeStart: input('number', { min: 0, step: 1, value: '30' }),
      closesMinutesAfterStart: input('number', { min: 0, step: 1, value: '60' }),
      lateAfterMinutes: input('number', { min: 0, step: 1, value: '15' }),
      confirmWithinMinutes: input('number', { min: 1, max: 10080, step: 1, inputmode: 'numeric', value: '60' }),
      allowedEmailDomains: input('text', { autocomplete: 'off', spellcheck: 'false', placeholder: 'go.id, kalteng.go.id' }),
    };
    const confirmEmail = checkbox(fields, 'openRegistration.confirmEmail', t('f.confirmEmail'), true);
    const confirmHint = h('span', { class: 'hint', id: uid('ch'), text: t('f.confirmEmail.hint') });
    confirmEmail.box.setAttribute('aria-describedby', confirmHint.id);
    // Without the confirmation there is no window to set.
    confirmEmail.box.addEventListener('change', () => { c.confirmWithinMinutes.disabled = !confirmEmail.box.checked; });
    const inviteOnly = checkbox(fields, 'inviteOnly', t('f.inviteOnly'), false);
    const lateCounts = checkbox(fields, 'completion.lateCounts', t('f.lateCounts'), true);
    const excusedCounts = checkbox(fields, 'completion.excusedCounts', t('f.excusedCounts'), false);
    const sessions = sessionEditor(fields, []);
    const printed = printedFieldsGroup(fields);
    const beforeDeadline = reminderGroup(fields, 'reminders.beforeDeadline', t('f.beforeDeadline'), ['P3D', 'P1D']);
    const beforeTraining = reminderGroup(fields, 'reminders.beforeTraining', t('f.beforeTraining'), ['P1D', 'PT2H']);
    const submit = h('button', { type: 'submit', text: t('f.create') });

    const form = h('form', { novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      const ints = {
        capacity: integer(c.capacity), 'completion.minimumAttendancePercent': integer(c.minimumAttendancePercent), 'certificate.trainingHours': integer(c.trainingHours),
        'checkIn.opensMinutesBeforeStart': integer(c.opensMinutesBeforeStart), 'checkIn.closesMinutesAfterStart': integer(c.closesMinutesAfterStart), 'checkIn.lateAfterMinutes': integer(c.lateAfterMinutes),
        'openRegistration.confirmWithinMinutes': confirmEmail.box.checked ? integer(c.confirmWithinMinutes) : undefined,
      };
      const notWhole = Object.entries(ints).filter(([, v]) => Number.isNaN(v)).map(([field]) => ({ field, text: t('f.integer') }));
      if (notWhole.length) return fields.show(summary, notWhole);
      const definition = {
        title: c.title.value.trim(),
        organizerName: c.organizerName.value.trim(),
        venue: c.venue.value.trim(),
        description: c.description.value.trim() || null,
        timeZone: c.timeZone.value,
        capacity: ints.capacity ?? null,
        inviteOnly: inviteOnly.box.checked,
        registrationOpensAt: c.registrationOpensAt.value || null,
        registrationClosesAt: c.registrationClosesAt.value || null,
        sessions: sessions.value(),
        reminders: { beforeDeadline: beforeDeadline.value(), beforeTraining: beforeTraining.value() },
        completion: { minimumAttendancePercent: ints['completion.minimumAttendancePercent'], lateCounts: lateCounts.box.checked, excusedCounts: excusedCounts.box.checked },
        certificate: {
          numberFormat: c.numberFormat.value.trim(), trainingHours: ints['certificate.trainingHours'],
          signatoryName: c.signatoryName.value.trim(), signatoryTitle: c.signatoryTitle.value.trim(), signatoryNip: c.signatoryNip.value.trim() || null,
          signingPlace: c.signingPlace.value.trim() || null,
          printedFields: printed.value(),
        },
        checkIn: { opensMinutesBeforeStart: ints['checkIn.opensMinutesBeforeStart'], closesMinutesAfterStart: ints['checkIn.closesMinutesAfterStart'], lateAfterMinutes: ints['checkIn.lateAfterMinutes'] },
        openRegistration: {
          confirmEmail: confirmEmail.box.checked,
          confirmWithinMinutes: ints['openRegistration.confirmWithinMinutes'],
          // Sent as typed (split on commas): the API judges each name and answers beside this field.
          allowedEmailDomains: domainList(c.allowedEmailDomains.value),
        },
      };
      submit.disabled = true;
      submit.textContent = t('f.saving');
      // One Idempotency-Key per definition as sent: a retry after a lost answer gets the same cycle back, never a
      // second one; an edited definition is a new request. getRandomValues works outside secure contexts too.
      const sent = JSON.stringify(definition);
      if (sent !== createAttempt.body) {
        createAttempt.body = sent;
        createAttempt.key = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
      }
      const result = await api('cycles', { method: 'POST', json: definition, extraHeaders: { 'Idempotency-Key': createAttempt.key } });
      submit.disabled = false;
      submit.textContent = t('f.create');
      if (result.status === 201) {
        // Valid but probably not meant (a check-in window longer than its session): said with the confirmation.
        const warnings = Array.isArray(result.data.warnings) ? result.data.warnings.map(detailMessage) : [];
        navigate(`#/cycles/${encodeURIComponent(result.data.cycleId)}`, [t('created'), ...warnings].join(' '));
        return;
      }

      const details = result.data?.error?.details;
      fields.show(summary, Array.isArray(details) && details.length ? details : [{ field: '', text: result.message }]);
    } },
    summary,
    fields.group('info', t('sec.info'),
      fields.field('title', t('f.title'), c.title),
      h('div', { class: 'grid' }, fields.field('organizerName', t('f.organizerName'), c.organizerName), fields.field('venue', t('f.venue'), c.venue)),
      fields.field('description', t('f.description'), c.description, t('f.description.hint'))),
    fields.group('registration', t('sec.registration'),
      h('div', { class: 'grid' },
        fields.field('timeZone', t('f.timeZone'), c.timeZone),
        fields.field('capacity', t('f.capacity'), c.capacity, t('f.capacity.hint'))),
      inviteOnly.wrapper,
      h('div', { class: 'grid' },
        fields.field('registrationOpensAt', t('f.registrationOpensAt'), c.registrationOpensAt, t('f.time.hint')),
        fields.field('registrationClosesAt', t('f.registrationClosesAt'), c.registrationClosesAt, t('f.time.hint')))),
    fields.group('openRegistration', t('sec.openRegistration'),
      h('p', { class: 'hint', text: t('f.openRegistration.lead') }),
      confirmEmail.wrapper, confirmHint,
      h('div', { class: 'grid' },
        fields.field('openRegistration.confirmWithinMinutes', t('f.confirmWithinMinutes'), c.confirmWithinMinutes, t('f.confirmWithinMinutes.hint')),
        fields.field('openRegistration.allowedEmailDomains', t('f.allowedEmailDomains'), c.allowedEmailDomains, t('f.allowedEmailDomains.hint')))),
    sessions.el,
    h('div', { class: 'grid' }, beforeDeadline.el, beforeTraining.el),
    fields.group('completion', t('sec.completion'),
      fields.field('completion.minimumAttendancePercent', t('f.minimumAttendancePercent'), c.minimumAttendancePercent, t('f.minimumAttendancePercent.hint')),
      lateCounts.wrapper, excusedCounts.wrapper),
    fields.group('certificate', t('sec.certificate'),
      h('div', { class: 'grid' },
        fields.field('certificate.numberFormat', t('f.numberFormat'), c.numberFormat, t('f.numberFormat.hint')),
        fields.field('certificate.trainingHours', t('f.trainingHours'), c.trainingHours)),
      h('div', { class: 'grid' },
        fields.field('certificate.signatoryName', t('f.signatoryName'), c.signatoryName),
        fields.field('certificate.signatoryTitle', t('f.signatoryTitle'), c.signatoryTitle),
        fields.field('certificate.signatoryNip', t('f.signatoryNip'), c.signatoryNip, t('f.signatoryNip.hint')),
        fields.field('certificate.signingPlace', t('f.signingPlace'), c.signingPlace, t('f.signingPlace.hint'))),
      printed.el),
    fields.group('checkIn', t('sec.checkin'), h('div', { class: 'grid' },
      fields.field('checkIn.opensMinutesBeforeStart', t('f.opensMinutesBeforeStart'), c.opensMinutesBeforeStart),
      fields.field('checkIn.closesMinutesAfterStart', t('f.closesMinutesAfterStart'), c.closesMinutesAfterStart),
      fields.field('checkIn.lateAfterMinutes', t('f.lateAfterMinutes'), c.lateAfterMinutes))),
    h('div', { class: 'actions' }, submit));

    show(stillHere, t('new.title'), h('h1', { text: t('new.title') }), h('p', { class: 'lead', text: t('new.lead') }), form);
  }

  // ---------------------------------------------------------------- one cycle

  const TABS = ['overview', 'invitees', 'participants', 'attendance', 'certificates', 'nomination', 'evaluation', 'records'];

  async function renderCycle(cycleId, tab, rest, query, stillHere) {
    const result = await api(`cycles/${encodeURIComponent(cycleId)}`);
    if (!result.ok) return failure(stillHere, result);
    const cycle = result.data;
    const base = `#/cycles/${encodeURIComponent(cycleId)}`;
    const allowed = { overview: true, invitees: can('runCycle', cycleId), participants: can('viewParticipants', cycleId), attendance: can('teachSession', cycleId), certificates: can('viewPersonalData', cycleId), ...extraTabs(cycle) };
    const tabs = TABS.filter((name) => allowed[name]);
    const active = tabs.includes(tab) ? tab : 'overview';
    const head = [
      h('a', { class: 'back', href: '#/', text: '← ' + t('nav.cycles') }),
      h('h1', { text: cycle.title }),
      h('p', { class: 'lead' }, phaseBadge(cycle.phase), ' ', cycle.definition.venue || '', ' ',
        h('button', { type: 'button', class: 'secondary small', text: t('refresh'), onclick: () => navigate(location.hash, t('refreshed')) })),
      h('nav', { class: 'subnav', 'aria-label': t('tab.nav') }, h('ul', {}, tabs.map((name) =>
        h('li', {}, h('a', { href: `${base}/${name}`, text: t('tab.' + name), 'aria-current': name === active ? 'page' : null }))))),
    ];
    const views = { overview: overviewView, invitees: inviteesView, participants: participantsView, attendance: attendanceView, certificates: certificatesView, nomination: nominationView, evaluation: evaluationView, records: cycleRecordsView };
    const body = await views[active](cycle, { base, rest, query, stillHere });
    if (body === null) return;
    show(stillHere, `${t('tab.' + active)} · ${cycle.title}`, head, body);
  }

  /** After a phase command: wait (briefly) for the workflow to move, then show the cycle again. */
  async function afterCommand(cycle, done) {
    const before = cycle.phase;
    for (let i = 0; i < 40; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const now = await api(`cycles/${encodeURIComponent(cycle.cycleId)}`);
      if (now.ok && now.data.phase !== before) {
        await route();
        announce(done || t('cmd.sent', { phase: t('phase.' + now.data.phase) }));
        return;
      }
    }

    await route();
    announce(done || t('cmd.waiting'));
  }

  // ---- overview

  async function overviewView(cycle) {
    const stats = await api(`cycles/${encodeURIComponent(cycle.cycleId)}/stats`);
    const tz = cycle.schedule.timeZone;
    const counts = cycle.counts;
    const register = new URL(cycle.links.register, location.origin).href;
    return [
      h('section', { 'aria-labelledby': 'sec-phases' },
        h('h2', { id: 'sec-phases', text: t('ov.phases') }),
        phaseTimeline(cycle),
        h('p', { id: 'next-step', text: nextStep(cycle) })),
      h('section', { 'aria-labelledby': 'sec-counts' },
        h('h2', { id: 'sec-counts', text: t('ov.counts') }),
        h('ul', { class: 'cards', id: 'counts' }, ['invited', 'confirmed', 'waitlisted', 'withdrawn', 'eligible', 'certified'].map((k) =>
          h('li', { 'data-count': k }, h('span', { class: 'n', text: number(counts[k]) }), h('span', { class: 'l', text: t('count.' + k) }))))),
      h('section', { 'aria-labelledby': 'sec-controls' },
        h('h2', { id: 'sec-controls', text: t('ov.controls') }),
        phaseControls(cycle)),
      stats.ok ? h('section', { 'aria-labelledby': 'sec-charts' },
        h('h2', { id: 'sec-charts', text: t('ov.charts') }),
        h('div', { class: 'charts' }, registrationsChart(stats.data), attendanceChart(stats.data))) : null,
      h('section', { 'aria-labelledby': 'sec-facts' },
        h('h2', { id: 'sec-facts', text: t('ov.facts') }),
        h('dl', { class: 'facts' },
          fact(t('ov.organizer'), cycle.definition.organizerName),
          fact(t('ov.venue'), cycle.definition.venue),
          fact(t('ov.timeZone'), `${zoneLabel(tz)} (${tz})`),
          fact(t('ov.capacity'), number(cycle.definition.capacity)),
          fact(t('ov.inviteOnly'), cycle.definition.inviteOnly ? t('yes') : t('no')),
          cycle.definition.inviteOnly ? null : fact(t('ov.openRegistration'), openRegistrationText(cycle.definition.openRegistration)),
          fact(t('f.registrationOpensAt'), timeEl(cycle.schedule.registrationOpensAt, tz)),
          fact(t('f.registrationClosesAt'), timeEl(cycle.schedule.registrationClosesAt, tz)),
          fact(t('ov.sessions'), h('ul', {}, cycle.schedule.sessions.map((s) => h('li', {}, `${s.title}: `, timeEl(s.startsAt, tz, 'short'), ' – ', timeEl(s.endsAt, tz, 'time'))))),
          fact(t('ov.registerLink'), h('a', { href: register, text: register })),
          cycle.cancelReason ? fact(t('ov.cancelReason'), cycle.cancelReason) : null)),
    ];
  }

  /** The workflow's own next step; until it has reported one, the schedule's next milestone for the phase. */
  function nextStep(cycle) {
    const s = cycle.schedule;
    const planned = {
      Inviting: ['registration-opens', s.registrationOpensAt],
      RegistrationOpen: ['registration-closes', s.registrationClosesAt],
      AwaitingTraining: ['training-starts', s.sessions[0]?.startsAt],
      InTraining: ['training-ends', cycle.trainingEndedAt || s.trainingEndsAt],
      Completing: ['issuing-certificates', null],
    }[cycle.phase];
    if (cycle.phase === 'Completed' || cycle.phase === 'Cancelled') return t('ov.noNext');
    const [what, when] = cycle.next ? [cycle.next, cycle.nextAt] : planned || [];
    if (!what) return t('ov.noNext');
    return t('ov.next', { what: t('next.' + what), when: when ? fmt(when, s.timeZone) : '—' }).replace(', —.', '.');
  }

  /** "wajib konfirmasi email dalam 60 menit; hanya email di go.id" (the API's defaults when the definition is silent). */
  function openRegistrationText(open) {
    const o = open || {};
    const parts = [o.confirmEmail === false ? t('ov.open.noConfirm') : t('ov.open.confirm', { n: number(o.confirmWithinMinutes ?? 60) })];
    if (Array.isArray(o.allowedEmailDomains) && o.allowedEmailDomains.length) parts.push(t('ov.open.domains', { list: o.allowedEmailDomains.join(', ') }));
    return parts.join('; ');
  }

  const fact = (term, value) => [h('dt', { text: term }), h('dd', {}, value ?? '—')];

  function phaseTimeline(cycle) {
    const tz = cycle.schedule.timeZone;
    const s = cycle.schedule;
    const when = {
      RegistrationOpen: s.registrationOpensAt,
      AwaitingTraining: cycle.registrationClosedAt || s.registrationClosesAt,
      InTraining: s.sessions[0]?.startsAt,
      // The one end of training the workflow waits for (last session or its check-in window, whichever is later).
      Completing: cycle.trainingEndedAt || s.trainingEndsAt,
    };
    const cancelled = cycle.phase === 'Cancelled';
    const currentIndex = PHASES.indexOf(cycle.phase);
    const steps = PHASES.map((phase, i) => {
      const state = cancelled ? 'upcoming' : i < currentIndex ? 'done' : i === currentIndex ? 'current' : 'upcoming';
      return h('li', { class: cancelled ? '' : state, 'aria-current': state === 'current' && !cancelled ? 'step' : null },
        t('phase.' + phase), h('span', { class: 'visually-hidden', text: ` (${t('step.' + (cancelled ? 'upcoming' : state))})` }),
        when[phase] ? h('span', { class: 'when' }, timeEl(when[phase], tz, 'short')) : null);
    });
    if (cancelled) {
      steps.push(h('li', { class: 'current cancelled', 'aria-current': 'step' }, t('phase.Cancelled'),
        h('span', { class: 'visually-hidden', text: ` (${t('step.current')})` }),
        cycle.cancelledAt ? h('span', { class: 'when' }, timeEl(cycle.cancelledAt, tz, 'short')) : null));
    }

    return h('ol', { class: 'phases', id: 'phases' }, steps);
  }

  function phaseControls(cycle) {
    if (!can('runCycle', cycle.cycleId)) return null;
    const phase = cycle.phase;
    const id = encodeURIComponent(cycle.cycleId);
    const buttons = [];
    const panel = h('div', {});
    if (phase === 'Inviting' || phase === 'RegistrationOpen') {
      buttons.push(h('button', { type: 'button', text: t('cmd.close'), onclick: () => confirmDialog(t('cmd.close'), t('confirm.close'), async () => {
        const r = await api(`cycles/${id}/close-registration`, { method: 'POST' });
        if (r.status === 202) await afterCommand(cycle); else announce(r.message, true);
      }) }));
    }

    if (phase === 'InTraining') {
      buttons.push(h('button', { type: 'button', text: t('cmd.end'), onclick: () => confirmDialog(t('cmd.end'), t('confirm.end'), async () => {
        const r = await api(`cycles/${id}/end-training`, { method: 'POST' });
        if (r.status === 202) await afterCommand(cycle); else announce(r.message, true);
      }) }));
    }

    if (['Inviting', 'RegistrationOpen', 'AwaitingTraining', 'InTraining'].includes(phase)) {
      const toggle = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', text: t('cmd.reschedule'), onclick: () => {
        const open = toggle.getAttribute('aria-expanded') === 'true';
        toggle.setAttribute('aria-expanded', String(!open));
        panel.replaceChildren(...(open ? [] : [rescheduleForm(cycle)]));
        if (!open) panel.querySelector('h3')?.focus();
      } });
      buttons.push(toggle);
      buttons.push(h('button', { type: 'button', class: 'danger', text: t('cmd.cancel'), onclick: () => cancelDialog(cycle) }));
    }

    if (buttons.length === 0) return h('p', { text: t('ov.noControls') });
    return [h('div', { class: 'actions' }, buttons), panel];
  }

  /** A modal dialog (native &lt;dialog&gt;: focus is trapped, Esc closes); resolves when closed. */
  function dialog(title, ...content) {
    const heading = h('h2', { id: uid('dlg'), text: title });
    const el = h('dialog', { 'aria-labelledby': heading.id }, heading, ...content);
    const opener = document.activeElement;
    el.addEventListener('close', () => {
      el.remove();
      // The opener is gone when the view was drawn again meanwhile: then the heading takes focus.
      if (opener && opener.isConnected) opener.focus(); else main.querySelector('h1')?.focus();
    });
    document.body.append(el);
    el.showModal();
    return el;
  }

  function confirmDialog(title, text, onConfirm) {
    const yes = h('button', { type: 'button', text: t('confirm.yes') });
    const no = h('button', { type: 'button', class: 'secondary', text: t('confirm.back') });
    const el = dialog(title, h('p', { text }), h('div', { class: 'actions' }, yes, no));
    no.addEventListener('click', () => el.close());
    yes.addEventListener('click', async () => {
      el.close();
      announce(t('loading'));
      await onConfirm();
    });
    no.focus();
  }

  function cancelDialog(cycle) {
    const fields = new FieldMap();
    const summary = h('div', {});
    const reason = h('textarea', { rows: 3, maxlength: 500 });
    const yes = h('button', { type: 'submit', class: 'danger', text: t('cancel.confirm') });
    const no = h('button', { type: 'button', class: 'secondary', text: t('confirm.back') });
    let el = null;
    const form = h('form', { novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      if (!reason.value.trim()) return fields.show(summary, [{ field: 'reason', text: t('cancel.required') }]);
      yes.disabled = true;
      const r = await api(`cycles/${encodeURIComponent(cycle.cycleId)}/cancel`, { method: 'POST', json: { reason: reason.value.trim() } });
      yes.disabled = false;
      if (r.status === 202) {
        el.close();
        await afterCommand(cycle);
        return;
      }

      const details = r.data?.error?.details;
      fields.show(summary, Array.isArray(details) ? details : [{ field: 'reason', text: r.message }]);
    } },
    h('p', { text: t('cancel.text') }), summary,
    fields.field('reason', t('cancel.reason'), reason),
    h('div', { class: 'actions' }, yes, no));
    el = dialog(t('cancel.title'), form);
    no.addEventListener('click', () => el.close());
    reason.focus();
  }

  function rescheduleForm(cycle) {
    const tz = cycle.schedule.timeZone;
    const fields = new FieldMap();
    const summary = h('div', {});
    const opens = input('datetime-local', { value: toLocalInput(cycle.schedule.registrationOpensAt, tz) });
    const closes = input('datetime-local', { value: toLocalInput(cycle.schedule.registrationClosesAt, tz) });
    const sessions = sessionEditor(fields, cycle.schedule.sessions.map((s) => ({ id: s.id, title: s.title, startsAt: toLocalInput(s.startsAt, tz), endsAt: toLocalInput(s.endsAt, tz) })));
    const beforeDeadline = reminderGroup(fields, 'reminders.beforeDeadline', t('f.beforeDeadline'), cycle.schedule.remindersBeforeDeadline);
    const beforeTraining = reminderGroup(fields, 'reminders.beforeTraining', t('f.beforeTraining'), cycle.schedule.remindersBeforeTraining);
    const submit = h('button', { type: 'submit', text: t('resched.submit') });
    return h('form', { class: 'reschedule', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      submit.disabled = true;
      const r = await api(`cycles/${encodeURIComponent(cycle.cycleId)}/reschedule`, { method: 'POST', json: {
        registrationOpensAt: opens.value || null, registrationClosesAt: closes.value || null, sessions: sessions.value(),
        reminders: { beforeDeadline: beforeDeadline.value(), beforeTraining: beforeTraining.value() },
      } });
      submit.disabled = false;
      if (r.status === 202) {
        await route();
        announce(t('resched.done'));
        return;
      }

      const details = r.data?.error?.details;
      fields.show(summary, Array.isArray(details) && details.length ? details : [{ field: '', text: r.message }]);
    } },
    h('h3', { tabindex: -1, text: t('resched.title') }), h('p', { class: 'hint', text: t('resched.lead') }), summary,
    h('div', { class: 'grid' },
      fields.field('registrationOpensAt', t('f.registrationOpensAt'), opens, t('f.time.hint')),
      fields.field('registrationClosesAt', t('f.registrationClosesAt'), closes, t('f.time.hint'))),
    sessions.el,
    h('div', { class: 'grid' }, beforeDeadline.el, beforeTraining.el),
    h('div', { class: 'actions' }, submit));
  }

  // ---- charts (inline SVG, with the numbers in a table for everyone who does not read charts)

  function registrationsChart(stats) {
    const days = stats.registrations.days;
    const caption = h('figcaption', { id: uid('cap'), text: t('chart.registrations') });
    if (days.length === 0) return h('figure', { 'aria-labelledby': caption.id }, caption, h('p', { text: t('chart.noRegistrations') }));
    const W = 520, H = 220, L = 40, R = 12, T = 12, B = 34;
    const max = Math.max(1, days[days.length - 1].cumulative);
    const maxDay = Math.max(...days.map((d) => d.count));
    const x = (i) => L + (days.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (days.length - 1));
    const y = (v) => H - B - (v * (H - T - B)) / max;
    const bar = Math.max(2, Math.min(28, ((W - L - R) / days.length) * 0.6));
    const dayLabel = (d) => new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(d + 'T00:00:00Z'));
    const ticks = [0, Math.round(max / 2), max].filter((v, i, a) => a.indexOf(v) === i);
    const labelled = [...new Set([0, Math.floor((days.length - 1) / 2), days.length - 1])];
    const summary = t('chart.regSummary', { total: stats.registrations.total, from: dayLabel(days[0].date), to: dayLabel(days[days.length - 1].date), max: maxDay });
    const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${t('chart.registrations')}. ${summary}` },
      ticks.map((v) => [svg('line', { class: 'grid-line', x1: L, x2: W - R, y1: y(v), y2: y(v) }), svg('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', text: String(v) })]),
      days.map((d, i) => svg('rect', { class: 'bar', x: x(i) - bar / 2, y: y(d.count), width: bar, height: H - B - y(d.count) })),
      svg('polyline', { class: 'line', points: days.map((d, i) => `${x(i)},${y(d.cumulative)}`).join(' ') }),
      days.map((d, i) => svg('circle', { class: 'dot', cx: x(i), cy: y(d.cumulative), r: 3 })),
      svg('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }),
      labelled.map((i) => svg('text', { x: x(i), y: H - B + 18, 'text-anchor': 'middle', text: dayLabel(days[i].date) })));
    return h('figure', { 'aria-labelledby': caption.id, id: 'chart-registrations' }, caption, chart,
      h('p', { class: 'hint', text: summary }),
      h('details', {}, h('summary', { text: t('chart.data') }), simpleTable(t('chart.registrations'),
        [t('chart.day'), { text: t('chart.count'), num: true }, { text: t('chart.cumulative'), num: true }],
        days.filter((d) => d.count > 0).map((d) => h('tr', {}, h('td', { text: dayLabel(d.date) }), h('td', { class: 'num', text: d.count }), h('td', { class: 'num', text: d.cumulative }))))));
  }

  function attendanceChart(stats) {
    const sessions = stats.attendance.sessions;
    const caption = h('figcaption', { id: uid('cap'), text: t('chart.attendance') });
    const kinds = [['present', 'Present'], ['late', 'Late'], ['excused', 'Excused'], ['absent', 'Absent'], ['unmarked', 'unmarked']];
    const W = 520, L = 130, R = 12, rowH = 34, T = 6;
    const H = T + sessions.length * rowH + 6;
    if (sessions.every((x) => x.confirmed === 0 && x.present + x.late + x.excused + x.absent === 0)) {
      return h('figure', { 'aria-labelledby': caption.id, id: 'chart-attendance' }, caption, h('p', { text: t('att.noneYet') }));
    }

    const total = Math.max(1, ...sessions.map((s) => kinds.reduce((n, [k]) => n + s[k], 0)));
    const scale = (v) => (v * (W - L - R)) / total;
    const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${t('chart.attendance')}. ${t('chart.attSummary', { n: sessions.length })} ` +
      sessions.map((s) => `${s.title}: ${kinds.map(([k, m]) => `${t('mark.' + m)} ${s[k]}`).join(', ')}`).join('; ') },
    sessions.map((s, i) => {
      let offset = L;
      const y = T + i * rowH;
      const label = s.title.length > 15 ? s.title.slice(0, 14) + '…' : s.title;
      return [svg('text', { x: L - 8, y: y + rowH / 2 + 4, 'text-anchor': 'end', text: label }),
        kinds.map(([k]) => {
          const w = scale(s[k]);
          const rect = w > 0 ? svg('rect', { class: 'c-' + k, x: offset, y: y + 4, width: w, height: rowH - 8 }) : null;
          offset += w;
          return rect;
        })];
    }));
    return h('figure', { 'aria-labelledby': caption.id, id: 'chart-attendance' }, caption, chart,
      h('ul', { class: 'legend' }, kinds.map(([k, m]) => h('li', {}, h('span', { class: 'sw c-' + k, 'aria-hidden': 'true' }), t('mark.' + m)))),
      h('details', {}, h('summary', { text: t('chart.data') }), simpleTable(t('chart.attendance'),
        [t('chart.session'), ...kinds.map(([, m]) => ({ text: t('mark.' + m), num: true }))],
        sessions.map((s) => h('tr', {}, h('td', { text: s.title }), kinds.map(([k]) => h('td', { class: 'num', text: s[k] })))))));
  }

  // ---- invitees

  function inviteesView(cycle) {
    const open = cycle.phase === 'Inviting' || cycle.phase === 'RegistrationOpen';
    const result = h('div', { id: 'import-result' });
    const file = input('file', { id: 'invitees-file', accept: '.csv,text/csv,text/plain' });
    const error = h('span', { class: 'error', id: 'invitees-file-error' });
    file.setAttribute('aria-describedby', 'invitees-file-hint invitees-file-error');
    const submit = h('button', { type: 'submit', text: t('inv.submit') });
    const sample = h('button', { type: 'button', class: 'secondary', text: t('inv.sample'), onclick: () => {
      const csv = '\uFEFFemail,nama,nip,telepon,instansi,tingkat instansi,kabupaten/kota,jabatan,pangkat/golongan,bahasa\nsiti.aminah@example.org,"Dr. Siti Aminah, S.Sos., M.Si.",198503122010012005,0812-3456-7890,Dinas Sosial Kabupaten Kapuas,kabupaten,Kapuas,Pekerja Sosial Ahli Pertama,Penata Muda (III/a),id\n';
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const a = h('a', { href: url, download: 'contoh-undangan.csv', hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 30000);
    } });
    const form = h('form', { novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      file.removeAttribute('aria-invalid');
      if (!file.files.length) {
        error.textContent = t('inv.choose');
        file.setAttribute('aria-invalid', 'true');
        file.focus();
        return;
      }

      const data = new FormData();
      data.append('file', file.files[0], file.files[0].name);
      submit.disabled = true;
      const r = await api(`cycles/${encodeURIComponent(cycle.cycleId)}/invitees`, { method: 'POST', body: data });
      submit.disabled = false;
      let heading;
      if (r.ok) {
        heading = h('h2', { tabindex: -1, text: t('inv.done', { imported: r.data.imported, already: r.data.alreadyInvited, total: r.data.total }) });
        const ignored = Array.isArray(r.data.ignoredColumns) && r.data.ignoredColumns.length ? h('p', { id: 'import-ignored', text: t('inv.ignored', { columns: r.data.ignoredColumns.join(', ') }) }) : null;
        result.replaceChildren(h('div', { class: 'notice ok', role: 'status' }, heading, ignored));
        file.value = '';
      } else {
        const rows = Array.isArray(r.data?.error?.details) ? r.data.error.details : [];
        heading = h('h2', { tabindex: -1, text: r.message });
        result.replaceChildren(h('div', { class: 'notice bad', role: 'alert' }, heading), rows.length ? simpleTable(t('inv.rows'),
          [{ text: t('inv.line'), num: true }, t('inv.who'), t('inv.field'), t('inv.value'), t('inv.message')],
          rows.map((row) => h('tr', {}, h('td', { class: 'num', text: row.line }), h('td', { text: row.name || '—' }), h('td', { text: row.field || '—' }), h('td', { text: row.value ?? '—' }), h('td', { text: detailMessage(row) })))) : null);
      }

      heading.focus();
    } },
    h('div', { class: 'field' },
      h('label', { for: 'invitees-file', text: t('inv.file') }),
      h('span', { class: 'hint', id: 'invitees-file-hint', text: t('inv.columns') }),
      error, file),
    h('div', { class: 'actions' }, submit, sample));
    return [h('h2', { text: t('inv.title') }), h('p', { text: t('inv.lead') }), open ? [form, result] : h('p', { class: 'notice', text: t('inv.closed') })];
  }

  // ---- participants

  const FILTERS = ['all', 'registered', 'confirmed', 'waitlisted', 'invited', 'unconfirmed', 'withdrawn', 'bounced', 'eligible', 'certified'];
  const FILTER_STATUS = { confirmed: 'Confirmed', waitlisted: 'Waitlisted', invited: 'Invited', unconfirmed: 'Unconfirmed', withdrawn: 'Withdrawn' };

  async function participantsView(cycle, { base, rest, query }) {
    if (rest[0]) return timelineView(cycle, base, rest[0]);
    const filter = FILTERS.includes(query.get('status')) ? query.get('status') : 'all';
    const search = query.get('search') || '';
    const page = Math.max(1, Number(query.get('page')) || 1);
    const params = new URLSearchParams({ page: String(page), pageSize: '50' });
    if (filter !== 'all') params.set('status', FILTER_STATUS[filter] || filter);
    if (search) params.set('search', search);
    const path = `cycles/${encodeURIComponent(cycle.cycleId)}/participants`;
    const r = await api(`${path}?${params}`);
    if (!r.ok) return h('p', { class: 'notice bad', role: 'alert', text: r.message });
    const { items, total, pageSize } = r.data;
    const pages = Math.max(1, Math.ceil(total / pageSize));
    const searchBox = input('search', { id: 'p-search', value: search, autocomplete: 'off', 'aria-describedby': 'p-search-hint' });
    const select = h('select', { id: 'p-filter' }, FILTERS.map((f) => h('option', { value: f, selected: f === filter, text: t('p.' + f) })));
    const go = (p) => {
      const q = new URLSearchParams();
      if (select.value !== 'all') q.set('status', select.value);
      if (searchBox.value.trim()) q.set('search', searchBox.value.trim());
      if (p > 1) q.set('page', String(p));
      navigate(`${base}/participants${q.toString() ? '?' + q : ''}`);
    };
    select.addEventListener('change', () => go(1));
    const exportParams = new URLSearchParams(params);
    exportParams.delete('page');
    exportParams.delete('pageSize');
    exportParams.set('format', 'csv');
    return [
      h('h2', { text: t('tab.participants') }),
      h('form', { class: 'filters', role: 'search', onsubmit: (e) => { e.preventDefault(); go(1); } },
        h('div', { class: 'field' }, h('label', { for: 'p-search', text: t('p.search') }), h('span', { class: 'hint', id: 'p-search-hint', text: t('p.search.hint') }), searchBox),
        h('div', { class: 'field narrow' }, h('label', { for: 'p-filter', text: t('p.filter') }), select),
        h('button', { type: 'submit', text: t('p.apply') })),
      h('div', { class: 'actions' },
        h('p', { id: 'p-total', text: t('p.total', { n: number(total) }) }),
        h('button', { type: 'button', class: 'secondary', text: t('p.export'), onclick: () => download(`${path}?${exportParams}`, `peserta-${cycle.cycleId}.csv`) }),
        h('button', { type: 'button', class: 'secondary', text: t('p.exportAttendance'), onclick: () => download(`cycles/${encodeURIComponent(cycle.cycleId)}/attendance?format=csv`, `presensi-${cycle.cycleId}.csv`) })),
      items.length === 0 ? h('p', { class: 'notice', text: t('p.none') }) : simpleTable(t('tab.participants'),
        [t('p.name'), t('p.agency'), t('p.status'), t('p.eligibility'), t('p.certificate'), t('p.actions')],
        items.map((p) => h('tr', { 'data-participant': p.participantId },
          h('th', { scope: 'row' }, p.fullName || p.email,
            p.fullName ? h('small', { text: p.email }) : null,
            p.nip ? h('small', { text: 'NIP ' + p.nip }) : null,
            p.registrationNumber ? h('small', { text: `${t('p.regNo')} ${p.registrationNumber}` }) : null),
          h('td', { text: p.agency || '—' }),
          h('td', {}, h('span', { class: `badge st-${p.status}`, text: t('st.' + p.status) }),
            p.emailStatus ? h('small', {}, `${t('p.email')}: `, h('span', { class: `badge ${['Bounced', 'Dropped', 'SpamReport'].includes(p.emailStatus) ? 'bounced' : ''}`, text: t('email.' + p.emailStatus) })) : null),
          h('td', {}, p.eligible === true ? h('span', { class: 'badge yes', text: t('yes') }) : p.eligible === false ? h('span', { class: 'badge no', text: t('no') }) : '—',
            p.eligibilityExplanation ? h('small', { text: p.eligibilityExplanation }) : null),
          h('td', { text: p.certificateNumber || '—' }),
          // One narrow column (the history link over stacked buttons), so the table still fits a tablet.
          h('td', {}, h('a', { href: `${base}/participants/${encodeURIComponent(p.participantId)}`, text: t('p.history'), 'aria-label': t('p.historyOf', { name: p.fullName || p.email }) }),
            participantActions(cycle, p))))),
      pages > 1 ? h('nav', { class: 'pager', 'aria-label': t('p.page', { page, pages }) },
        page > 1 ? h('button', { type: 'button', class: 'secondary', text: t('p.prev'), onclick: () => go(page - 1) }) : null,
        h('span', { text: t('p.page', { page, pages }) }),
        page < pages ? h('button', { type: 'button', class: 'secondary', text: t('p.next'), onclick: () => go(page + 1) }) : null) : null,
    ];
  }

  // ---- organizer actions on one participant: withdraw, correct, remove (each audited under the signed-in person)

  const CORRECTABLE = ['fullName', 'nip', 'email', 'phone', 'agency', 'agencyLevel', 'regency', 'position', 'rank', 'language'];

  /** The actions a person's status allows; `leaveTo` is where to go once they are removed (their own history is gone). */
  function participantActions(cycle, p, leaveTo) {
    const name = p.fullName || p.email;
    const button = (key, cls, onclick) => h('button', { type: 'button', class: `${cls} small`, text: t('pa.' + key), 'aria-label': t(`pa.${key}For`, { name }), onclick });
    return h('div', { class: 'actions row-actions' },
      p.status === 'Confirmed' || p.status === 'Waitlisted' ? button('withdraw', 'secondary', () => withdrawDialog(cycle, p)) : null,
      ['Confirmed', 'Waitlisted', 'Withdrawn'].includes(p.status) ? button('correct', 'secondary', () => correctDialog(cycle, p)) : null,
      // Shown to everyone: the API says why when it refuses (training started, certificate held).
      button('remove', 'danger', () => removeDialog(cycle, p, leaveTo)));
  }

  const participantPath = (cycle, p) => `cycles/${encodeURIComponent(cycle.cycleId)}/participants/${encodeURIComponent(p.participantId)}`;

  /** " Kursi diberikan kepada Budi." when the answer names someone promoted from the waiting list. */
  async function promotedText(cycle, promoted) {
    if (!promoted) return '';
    const r = await api(`${participantPath(cycle, { participantId: promoted })}/timeline`);
    const person = r.ok ? r.data.participant : null;
    return ' ' + t('pa.promoted', { name: person ? (person.fullName || person.email) : promoted });
  }

  /**
   * A dialog for one organizer action: optional fields and the reason (required). Who acted is the signed-in person,
   * recorded by the API. The API's refusal lands beside its field, or in the summary.
   */
  function participantDialog({ title, text, submitText, danger, build, send, done, leaveTo }) {
    const fields = new FieldMap();
    const summary = h('div', {});
    const reason = h('textarea', { rows: 2, maxlength: 500 });
    const yes = h('button', { type: 'submit', class: danger ? 'danger' : null, text: submitText });
    const no = h('button', { type: 'button', class: 'secondary', text: t('confirm.back') });
    const extra = build ? build(fields) : null;
    let el = null;
    const form = h('form', { novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      const missing = [];
      if (!reason.value.trim()) missing.push({ field: 'reason', text: t('pa.reasonRequired') });
      if (missing.length) return fields.show(summary, missing);
      yes.disabled = true;
      const r = await send({ reason: reason.value.trim() });
      yes.disabled = false;
      if (!r.ok) {
        const details = r.data?.error?.details;
        const field = { reason_too_long: 'reason', nip_taken: 'nip', email_taken: 'email' }[r.data?.error?.code] || '';
        return fields.show(summary, Array.isArray(details) && details.length ? details : [{ field, text: r.message }]);
      }

      const message = await done(r);
      el.close();
      if (leaveTo) return navigate(leaveTo, message);
      await route();
      announce(message);
    } },
    h('p', { text }), summary, extra,
    h('div', { class: 'grid' }, fields.field('reason', t('pa.reason'), reason)),
    h('div', { class: 'actions' }, yes, no));
    el = dialog(title, form);
    if (extra) el.classList.add('wide');
    no.addEventListener('click', () => el.close());
    // Straight to the first thing to fill in.
    (extra ? extra.querySelector('input,select') : reason).focus();
  }

  function withdrawDialog(cycle, p) {
    const name = p.fullName || p.email;
    participantDialog({
      title: t('pa.withdrawFor', { name }), text: t('pa.withdrawText'), submitText: t('pa.withdraw'), danger: true,
      send: (by) => api(`${participantPath(cycle, p)}/withdraw`, { method: 'POST', json: by }),
      done: async (r) => t('pa.withdrawn', { name }) + await promotedText(cycle, r.data.promoted),
    });
  }

  function removeDialog(cycle, p, leaveTo) {
    const name = p.fullName || p.email;
    participantDialog({
      leaveTo,
      title: t('pa.removeFor', { name }), text: t('pa.removeText'), submitText: t('pa.remove'), danger: true,
      send: (by) => api(`${participantPath(cycle, p)}/remove`, { method: 'POST', json: by }),
      done: async (r) => t('pa.removed', { name }) + await promotedText(cycle, r.data.promoted),
    });
  }

  /** The person's current details; only what was changed is sent (the API keeps the rest and checks the whole). */
  function correctDialog(cycle, p) {
    const name = p.fullName || p.email;
    const options = (values, current, label) => [
      ...(values.includes(current) ? [] : [h('option', { value: current || '', selected: true, text: current || t('pf.none') })]),
      ...values.map((v) => h('option', { value: v, selected: v === current, text: label(v) })),
    ];
    const controls = {
      fullName: input('text', { value: p.fullName || '', autocomplete: 'off', maxlength: 200 }),
      nip: input('text', { value: p.nip || '', autocomplete: 'off', inputmode: 'numeric', spellcheck: 'false' }),
      email: input('email', { value: p.email || '', autocomplete: 'off', spellcheck: 'false' }),
      phone: input('tel', { value: p.phone || '', autocomplete: 'off' }),
      agency: input('text', { value: p.agency || '', autocomplete: 'off' }),
      agencyLevel: h('select', {}, options(['provinsi', 'kabupaten', 'kota'], p.agencyLevel || '', (v) => t('lvl.' + v))),
      regency: input('text', { value: p.regency || '', autocomplete: 'off' }),
      position: input('text', { value: p.position || '', autocomplete: 'off' }),
      rank: input('text', { value: p.rank || '', autocomplete: 'off' }),
      language: h('select', {}, options(['id', 'en'], p.language || 'id', (v) => t('lng.' + v))),
    };
    const changes = () => Object.fromEntries(CORRECTABLE
      .filter((k) => controls[k].value.trim() !== String(p[k] ?? (k === 'language' ? 'id' : '')).trim())
      .map((k) => [k, controls[k].value.trim()]));
    participantDialog({
      title: t('pa.correctFor', { name }), text: t('pa.correctText'), submitText: t('pa.correct'),
      build: (fields) => h('div', { class: 'grid' }, CORRECTABLE.map((k) => fields.field(k, t('pf.' + k), controls[k], k === 'nip' ? t('pf.nip.hint') : null))),
      send: async (by) => {
        const changed = changes();
        if (Object.keys(changed).length === 0) return { ok: false, data: null, message: t('pa.nothing') };
        return api(participantPath(cycle, p), { method: 'PATCH', json: { ...by, ...changed } });
      },
      done: async () => t('pa.corrected', { name: controls.fullName.value.trim() || name }),
    });
  }

  async function timelineView(cycle, base, participantId) {
    const r = await api(`cycles/${encodeURIComponent(cycle.cycleId)}/participants/${encodeURIComponent(participantId)}/timeline`);
    if (!r.ok) return [h('p', { class: 'notice bad', role: 'alert', text: r.message }), h('a', { href: `${base}/participants`, text: '← ' + t('tl.back') })];
    const { participant: p, completion, entries, timeZone: tz } = r.data;
    const why = lang === 'en' ? completion.explanationEn : completion.explanation;
    const verdict = p.eligible === true ? t('tl.decidedYes', { why }) : p.eligible === false ? t('tl.decidedNo', { why }) : t('tl.pending', { why });
    const bad = /bounce|blocked|dropped|spamreport|rejected|not-eligible|revoked|withdrawn|auto-absent/;
    const good = /delivered|confirmed|eligible$|issued|checked-in|promoted/;
    return [
      h('a', { class: 'back', href: `${base}/participants`, text: '← ' + t('tl.back') }),
      h('h2', { text: `${t('tl.title')}: ${p.fullName || p.email}` }),
      h('dl', { class: 'facts' },
        fact(t('p.email'), p.email),
        fact(t('p.agency'), p.agency),
        fact(t('p.status'), h('span', { class: `badge st-${p.status}`, text: t('st.' + p.status) })),
        fact(t('p.regNo'), p.registrationNumber),
        fact(t('tl.completion'), verdict),
        fact(t('p.certificate'), p.certificateNumber)),
      participantActions(cycle, p, `${base}/participants`),
      entries.length === 0 ? h('p', { text: t('tl.empty') }) : h('ol', { class: 'events', id: 'timeline' }, entries.map((e) => {
        const label = t('ev.' + e.kind) + (e.mailKind ? ` — ${t('mail.' + e.mailKind)}` : '');
        const extra = [
          e.sessionTitle || e.sessionId ? t('tl.session', { title: e.sessionTitle || e.sessionId }) : null,
          e.kind.startsWith('email.sent') ? null : ((lang === 'en' ? e.textEn : e.text) ?? (e.sessionId && e.kind.startsWith('attendance.') ? e.details?.replace(/^[^:]*:\s*/, '') : e.details)),
          e.actor && e.actor !== 'system' ? t('tl.by', { actor: actorText(e.actor) }) : null,
        ].filter(Boolean).join(' · ');
        return h('li', { class: bad.test(e.kind) ? 'bad' : good.test(e.kind) ? 'good' : '', 'data-kind': e.kind },
          timeEl(e.at, tz, 'short'), h('span', { class: 'what', text: label }), extra ? h('span', { class: 'sub', text: extra }) : null);
      })),
    ];
  }

  /** "penyelenggara Rina (panitia) — alasan" for "organizer:Rina (panitia) — alasan"; the dictionary's word for the rest. */
  function actorText(actor) {
    if (actor.startsWith('organizer:')) return t('actor.named', { name: actor.slice('organizer:'.length) });
    return TEXTS[lang][catalogKey('actor.' + actor)] || actor;
  }

  // ---- attendance

  async function attendanceView(cycle, { base, rest }) {
    const tz = cycle.schedule.timeZone;
    const sessions = cycle.schedule.sessions;
    const now = Date.now();
    const fallback = sessions.find((s) => Date.parse(s.endsAt) > now) || sessions[sessions.length - 1];
    const session = sessions.find((s) => s.id === rest[0]) || fallback;
    const id = encodeURIComponent(cycle.cycleId);
    const r = await api(`cycles/${id}/sessions/${encodeURIComponent(session.id)}/attendance`);
    if (!r.ok) return h('p', { class: 'notice bad', role: 'alert', text: r.message });
    const roster = r.data;
    const nav = h('nav', { 'aria-label': t('att.sessions') }, h('ul', { class: 'pills' }, sessions.map((s) =>
      h('li', {}, h('a', { href: `${base}/attendance/${encodeURIComponent(s.id)}`, 'aria-current': s.id === session.id ? 'page' : null }, `${s.title} (`, timeEl(s.startsAt, tz, 'short'), ')')))));
    const codeSlot = h('div', {});
    const codeButton = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', text: t('att.code'), onclick: () => toggleCode(cycle, session, codeButton, codeSlot) });
    const counts = roster.counts;
    const header = [
      h('h2', { text: session.title }),
      h('p', {}, timeEl(session.startsAt, tz), ' – ', timeEl(session.endsAt, tz, 'time')),
      h('p', { class: 'hint' }, t('att.window', { from: fmt(roster.window.opensAt, tz, 'time'), to: fmt(roster.window.closesAt, tz, 'time'), late: fmt(roster.window.lateAfter, tz, 'time') }),
        roster.window.open ? ' ' + t('att.open') : ''),
      h('ul', { class: 'cards', id: 'attendance-counts' }, [['present', 'Present'], ['late', 'Late'], ['excused', 'Excused'], ['absent', 'Absent'], ['pending', 'Pending'], ['unmarked', 'unmarked']].map(([k, m]) =>
        h('li', { 'data-count': k }, h('span', { class: 'n', text: number(counts[k]) }), h('span', { class: 'l', text: t('mark.' + m) })))),
      h('div', { class: 'actions' }, codeButton,
        h('button', { type: 'button', class: 'secondary', text: t('p.exportAttendance'), onclick: () => download(`cycles/${id}/attendance?format=csv`, `presensi-${cycle.cycleId}.csv`) })),
      codeSlot,
      presenceBlock(cycle, session, roster),
      completionBlock(cycle), // #20
    ];
    if (roster.items.length === 0) return [nav, header, h('p', { class: 'notice', text: t('att.none') })];

    const summary = h('div', {});
    const rows = roster.items.map((p) => {
      const name = p.fullName || p.participantId;
      const select = h('select', { 'aria-label': t('att.markFor', { name }), 'data-participant': p.participantId },
        h('option', { value: '', text: p.status ? `${t('att.keep')}` : t('mark.unmarked') }),
        MARKS.map((m) => h('option', { value: m, text: t('mark.' + m) })));
      const note = input('text', { value: p.note || '', maxlength: 500, 'aria-label': t('att.noteFor', { name }), autocomplete: 'off' });
      const error = h('span', { class: 'error', id: uid('mark') });
      select.setAttribute('aria-describedby', error.id);
      const recorded = p.status
        ? [h('span', { class: `badge mk-${p.status}`, text: t('mark.' + p.status) }), h('small', { text: [t('att.source.' + p.source), p.markedBy && p.source !== 'auto' ? p.markedBy : null].filter(Boolean).join(' · ') }),
          p.status === 'Pending' ? h('div', { class: 'actions' },
            h('button', { type: 'button', class: 'small', text: t('att.confirm'), 'aria-label': t('att.confirmFor', { name }), onclick: () => decide(cycle, session, p.participantId, 'confirm') }),
            h('button', { type: 'button', class: 'danger small', text: t('att.reject'), 'aria-label': t('att.rejectFor', { name }), onclick: () => decide(cycle, session, p.participantId, 'reject') })) : null]
        : h('span', { text: t('mark.unmarked') });
      return { p, select, note, error, tr: h('tr', {},
        h('th', { scope: 'row' }, name, p.registrationNumber ? h('small', { text: p.registrationNumber }) : null),
        h('td', { text: p.agency || '—' }),
        h('td', {}, recorded),
        h('td', {}, select, error),
        h('td', {}, note)) };
    });
    const save = h('button', { type: 'submit', text: t('att.save') });
    const form = h('form', { novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      summary.replaceChildren();
      rows.forEach((row) => { row.error.textContent = ''; row.select.removeAttribute('aria-invalid'); });
      const changed = rows.filter((row) => {
        const status = row.select.value || row.p.status;
        return status && (status !== row.p.status || row.note.value.trim() !== (row.p.note || ''));
      });
      if (changed.length === 0) {
        announce(t('att.nothing'));
        return;
      }

      save.disabled = true;
      const marks = changed.map((row) => ({ participantId: row.p.participantId, status: row.select.value || row.p.status, note: row.note.value.trim() || null }));
      const result = await api(`cycles/${id}/sessions/${encodeURIComponent(session.id)}/attendance`, { method: 'PUT', json: { marks } });
      save.disabled = false;
      if (result.ok) {
        await route();
        announce(t('att.saved', { changed: result.data.changed, unchanged: result.data.unchanged }));
        return;
      }

      const details = Array.isArray(result.data?.error?.details) ? result.data.error.details : [];
      for (const d of details) {
        const row = changed[d.index];
        if (!row) continue;
        row.error.textContent = detailMessage(d);
        row.select.setAttribute('aria-invalid', 'true');
      }

      summary.replaceChildren(h('div', { class: 'summary', role: 'alert', tabindex: -1 }, h('h2', { text: result.message })));
      summary.firstChild.focus();
    } },
    summary,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', text: t('att.allPresent'), onclick: () => {
      rows.filter((row) => !row.p.status && !row.select.value).forEach((row) => { row.select.value = 'Present'; });
    } })),
    tableWrap(t('tab.attendance'), h('table', { id: 'roster' },
      h('thead', {}, h('tr', {}, [t('p.name'), t('p.agency'), t('att.recorded'), t('att.mark'), t('att.note')].map((x) => h('th', { scope: 'col', text: x })))),
      h('tbody', {}, rows.map((row) => row.tr)))),
    h('div', { class: 'actions' }, save));
    return [nav, header, form];
  }

  const sessionPath = (cycle, session) => `cycles/${encodeURIComponent(cycle.cycleId)}/sessions/${encodeURIComponent(session.id)}`;

  // The organizer's phone camera as the door scanner, where the browser reads QR codes itself (BarcodeDetector:
  // Chrome on Android, Edge). Progressive: without it there is no button, and the field takes a hardware scanner's
  // text. The camera stops when the view changes; the same code read twice in a row is sent once.
  function cameraScanner(onCode, onProblem) {
    if (!('BarcodeDetector' in window) || !navigator.mediaDevices?.getUserMedia) return null;
    const video = h('video', { class: 'scanner', 'aria-label': t('att.camera.video') });
    video.muted = true;
    video.playsInline = true; // iOS/Android: in the page, not full screen
    video.hidden = true;
    const button = h('button', { type: 'button', class: 'secondary', id: 'camera-scan', 'aria-pressed': 'false', text: t('att.camera.start') });
    let stream = null;
    const stop = () => {
      if (stream) stream.getTracks().forEach((track) => track.stop());
      stream = null;
      video.hidden = true;
      button.setAttribute('aria-pressed', 'false');
      button.textContent = t('att.camera.start');
      cleanups.delete(stop);
    };
    button.addEventListener('click', async () => {
      if (stream) return stop();
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
      } catch {
        return onProblem(t('att.camera.denied'));
      }

      cleanups.add(stop);
      video.srcObject = stream;
      video.hidden = false;
      button.setAttribute('aria-pressed', 'true');
      button.textContent = t('att.camera.stop');
      await safe(() => video.play());
      const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
      let last = '';
      const tick = async () => {
        if (!stream) return;
        let value;
        try {
          value = (await detector.detect(video))[0]?.rawValue || '';
        } catch {
          value = ''; // a frame that could not be read; the next one may
        }

        if (value && value !== last) {
          last = value;
          await onCode(value);
        }

        if (stream) setTimeout(tick, 250);
      };
      tick();
    });
    return h('div', { class: 'actions' }, button, video);
  }

  // Presence-bound check-in for this session: the switch, and the door scanner (a scanner types the QR's text and Enter).
  function presenceBlock(cycle, session, roster) {
    const on = roster.presenceRequired;
    const status = h('p', { role: 'status' });
    const scanned = input('text', { id: 'door-scan', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'door-scan-hint' });
    const record = async (token) => {
      const r = await api(`${sessionPath(cycle, session)}/door-checkins`, { method: 'POST', json: { token } });
      if (!r.ok) { status.textContent = r.message; status.className = 'notice bad'; return; }
      const d = r.data;
      status.className = 'notice ok';
      status.textContent = t(d.outcome === 'already' ? 'att.scan.already' : 'att.scan.done', { name: d.fullName || d.participantId, agency: d.agency || '—', status: t('mark.' + d.status) });
    };
    const scan = h('form', { novalidate: true, id: 'door-form', onsubmit: async (e) => {
      e.preventDefault();
      if (!scanned.value.trim()) return;
      const token = scanned.value.trim();
      scanned.value = '';
      scanned.focus();
      await record(token);
    } },
    h('div', { class: 'field' }, h('label', { for: 'door-scan', text: t('att.scan') }), h('span', { class: 'hint', id: 'door-scan-hint', text: t('att.scan.hint') }), scanned),
    h('button', { type: 'submit', text: t('att.scan.submit') }));
    return h('section', { class: 'card', id: 'presence', 'aria-labelledby': 'presence-title' },
      h('h3', { id: 'presence-title', text: t('att.presence') }),
      h('p', { text: t(on ? 'att.presence.on' : 'att.presence.off') }),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', 'aria-pressed': on ? 'true' : 'false', text: t(on ? 'att.presence.disable' : 'att.presence.enable'), onclick: async () => {
        const r = await api(`${sessionPath(cycle, session)}/checkin-mode`, { method: 'PUT', json: { presenceRequired: !on } });
        if (!r.ok) return announce(r.message, true);
        await route();
        announce(t('att.presence.changed'));
      } })),
      scan, cameraScanner(record, (message) => { status.textContent = message; status.className = 'notice bad'; }), status);
  }

  async function decide(cycle, session, participantId, decision) {
    const r = await api(`${sessionPath(cycle, session)}/pending`, { method: 'POST', json: { decisions: [{ participantId, decision }] } });
    if (!r.ok) return announce(r.message, true);
    await route();
    announce(t('att.decided'));
  }

  async function toggleCode(cycle, session, button, slot) {
    const showing = button.getAttribute('aria-expanded') === 'true';
    stopTimers();
    if (showing) {
      button.setAttribute('aria-expanded', 'false');
      button.textContent = t('att.code');
      slot.replaceChildren();
      return;
    }

    button.setAttribute('aria-expanded', 'true');
    button.textContent = t('att.hideCode');
    const tz = cycle.schedule.timeZone;
    // The code screen has its own read-only link for this one session (the function key never goes into a URL).
    const link = await api(`cycles/${encodeURIComponent(cycle.cycleId)}/sessions/${encodeURIComponent(session.id)}/code-screen`, { method: 'POST' });
    if (!link.ok) {
      slot.replaceChildren(h('p', { class: 'notice bad', role: 'alert', text: link.message }));
      return;
    }

    const screen = h('p', {}, h('a', { href: link.data.url, id: 'code-screen-link', target: '_blank', rel: 'noopener noreferrer', text: t('att.screen') }),
      ' ', h('small', { text: t('att.screenHint', { time: fmt(link.data.expiresAt, tz, 'short') }) }));
    // Polled on this origin (the link's own host may be the public address; the page's CSP allows 'self' only).
    const jsonUrl = new URL(`cycles/${encodeURIComponent(cycle.cycleId)}/sessions/${encodeURIComponent(session.id)}/code${new URL(link.data.url).search}&format=json`, API);
    const refresh = async () => {
      let data;
      try {
        const response = await fetch(jsonUrl, { headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
        data = response.ok ? await response.json() : null;
      } catch {
        data = null;
      }

      if (!data || button.getAttribute('aria-expanded') !== 'true') return;
      slot.replaceChildren(h('div', { class: 'code-box' },
        h('p', { text: t('att.codeTitle', { session: session.title }) }),
        h('p', { class: 'big', id: 'session-code', text: data.code }),
        h('p', { class: 'hint', text: t('att.codeValid', { time: fmt(data.validUntil, tz, 'time') }) }),
        screen));
      later(refresh, Math.max(2000, Date.parse(data.validUntil) - Date.now() + 1000));
    };
    await refresh();
  }

  // ---- certificates

  const CERT_PAGE_SIZE = 50;

  async function certificatesView(cycle, { base, query }) {
    const tz = cycle.schedule.timeZone;
    const search = query.get('search') || '';
    const page = Math.max(1, Number(query.get('page')) || 1);
    const params = new URLSearchParams({ page: String(page), pageSize: String(CERT_PAGE_SIZE) });
    if (search) params.set('search', search);
    const r = await api(`cycles/${encodeURIComponent(cycle.cycleId)}/certificates?${params}`);
    if (!r.ok) return h('p', { class: 'notice bad', role: 'alert', text: r.message });
    const { items, total } = r.data;
    if (total === 0 && !search) return [h('h2', { text: t('cert.title') }), h('p', { class: 'notice', text: t('cert.none') }), logoSection(cycle)];
    const pages = Math.max(1, Math.ceil(total / CERT_PAGE_SIZE));
    const searchBox = input('search', { id: 'c-search', value: search, autocomplete: 'off', 'aria-describedby': 'c-search-hint' });
    const go = (p) => {
      const q = new URLSearchParams();
      if (searchBox.value.trim()) q.set('search', searchBox.value.trim());
      if (p > 1) q.set('page', String(p));
      navigate(`${base}/certificates${q.toString() ? '?' + q : ''}`);
    };
    return [
      h('h2', { text: t('cert.title') }),
      h('form', { class: 'filters search-row', role: 'search', 'aria-label': t('cert.searchLabel'), onsubmit: (e) => { e.preventDefault(); go(1); } },
        h('div', { class: 'field' }, h('label', { for: 'c-search', text: t('p.search') }), h('span', { class: 'hint', id: 'c-search-hint', text: t('cert.search.hint') }), searchBox),
        h('button', { type: 'submit', text: t('p.apply') })),
      h('p', { id: 'c-total', text: search ? t('cert.found', { n: number(total) }) : t('cert.total', { n: number(total) }) }),
      items.length === 0 ? h('p', { class: 'notice', text: t('cert.noMatch') }) : simpleTable(t('cert.title'),
        [t('cert.number'), t('cert.holder'), { text: t('cert.version'), num: true }, t('cert.status'), t('cert.issued'), t('cert.verify'), t('cert.actions')],
        items.map((c) => h('tr', { 'data-certificate': c.certificateId },
          h('th', { scope: 'row', text: c.number }),
          h('td', {}, c.holderName, c.holderNip ? h('small', { class: 'nip', text: 'NIP ' + c.holderNip }) : null),
          h('td', { class: 'num', text: c.version }),
          h('td', {}, h('span', { class: `badge st-${c.status}`, text: t('cert.' + c.status) }), c.revokedReason ? h('small', { text: c.revokedReason }) : null),
          h('td', {}, timeEl(c.issuedAt, tz, 'short')),
          h('td', {}, h('a', { href: c.verificationUrl, target: '_blank', rel: 'noopener', text: t('cert.verify'), 'aria-label': t('cert.open', { number: c.number }) })),
          h('td', {}, c.status === 'Valid' ? h('div', { class: 'actions' },
            h('button', { type: 'button', class: 'secondary small', text: t('cert.reissue'), 'aria-label': t('cert.reissueFor', { number: c.number }), onclick: () => reissueDialog(c) }),
            h('button', { type: 'button', class: 'danger small', text: t('cert.revoke'), 'aria-label': t('cert.revokeFor', { number: c.number }), onclick: () => revokeDialog(c) })) : '—'))), 'certs'),
      pages > 1 ? h('nav', { class: 'pager', 'aria-label': t('cert.pages') },
        page > 1 ? h('button', { type: 'button', class: 'secondary', text: t('p.prev'), onclick: () => go(page - 1) }) : null,
        h('span', { id: 'c-page', text: t('p.page', { page, pages }) }),
        page < pages ? h('button', { type: 'button', class: 'secondary', text: t('p.next'), onclick: () => go(page + 1) }) : null) : null,
      logoSection(cycle),
    ];
  }

  /** The cycle's certificate logo: upload (the server judges the file by its content), see what is stored, remove. */
  function logoSection(cycle) {
    const path = `cycles/${encodeURIComponent(cycle.cycleId)}/certificate-logo`;
    const current = h('p', { id: 'logo-status', text: t('loading') });
    const error = h('span', { class: 'error', id: 'logo-file-error' });
    const file = input('file', { id: 'logo-file', accept: 'image/png,image/jpeg', 'aria-describedby': 'logo-file-hint logo-file-error' });
    const submit = h('button', { type: 'submit', text: t('logo.upload') });
    const refresh = async () => {
      const r = await api(path);
      if (!r.ok) {
        current.textContent = r.message;
        return;
      }

      current.textContent = r.data.hasLogo
        ? t('logo.has', { type: r.data.contentType === 'image/png' ? 'PNG' : 'JPEG', kb: number(Math.max(1, Math.round(r.data.bytes / 1024))) })
        : t('logo.none');
      remove.hidden = !r.data.hasLogo;
    };
    const remove = h('button', { type: 'button', class: 'secondary', hidden: true, text: t('logo.remove'), onclick: async () => {
      remove.disabled = true;
      const r = await api(path, { method: 'DELETE' });
      remove.disabled = false;
      if (!r.ok) return announce(r.message, true);
      await refresh();
      file.focus();
      announce(t('logo.removed'));
    } });
    const form = h('form', { novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      file.removeAttribute('aria-invalid');
      const fail = (text) => {
        error.textContent = text;
        file.setAttribute('aria-invalid', 'true');
        file.focus();
      };
      if (!file.files.length) return fail(t('logo.choose'));
      submit.disabled = true;
      const r = await api(path, { method: 'PUT', body: file.files[0] });
      submit.disabled = false;
      if (!r.ok) return fail(r.message);
      file.value = '';
      await refresh();
      announce(t('logo.saved'));
    } },
    h('div', { class: 'field' },
      h('label', { for: 'logo-file', text: t('logo.file') }),
      h('span', { class: 'hint', id: 'logo-file-hint', text: t('logo.hint') }),
      error, file),
    h('div', { class: 'actions' }, submit, remove));
    refresh();
    return h('section', { 'aria-labelledby': 'logo-heading', id: 'logo' },
      h('h2', { id: 'logo-heading', text: t('logo.title') }), h('p', { text: t('logo.lead') }), current, form);
  }

  function revokeDialog(certificate) {
    const fields = new FieldMap();
    const summary = h('div', {});
    const reason = h('textarea', { rows: 3, maxlength: 500 });
    const yes = h('button', { type: 'submit', class: 'danger', text: t('cert.revoke') });
    const no = h('button', { type: 'button', class: 'secondary', text: t('confirm.back') });
    let el = null;
    const form = h('form', { novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      if (!reason.value.trim()) return fields.show(summary, [{ field: 'reason', text: t('cert.reasonRequired') }]);
      yes.disabled = true;
      const r = await api(`certificates/${encodeURIComponent(certificate.certificateId)}/revoke`, { method: 'POST', json: { reason: reason.value.trim() } });
      yes.disabled = false;
      if (!r.ok) return fields.show(summary, [{ field: 'reason', text: r.message }]);
      el.close();
      await route();
      announce(t('cert.revokedDone', { number: certificate.number }));
    } },
    h('p', { text: t('cert.revokeText') }), summary,
    fields.field('reason', t('cert.reason'), reason),
    h('div', { class: 'actions' }, yes, no));
    el = dialog(t('cert.revokeFor', { number: certificate.number }), form);
    no.addEventListener('click', () => el.close());
    reason.focus();
  }

  function reissueDialog(certificate) {
    const fields = new FieldMap();
    const summary = h('div', {});
    const fullName = input('text', { value: certificate.holderName, autocomplete: 'off' });
    const reason = input('text', { maxlength: 500, autocomplete: 'off' });
    const yes = h('button', { type: 'submit', text: t('cert.reissue') });
    const no = h('button', { type: 'button', class: 'secondary', text: t('confirm.back') });
    let el = null;
    const form = h('form', { novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      const name = fullName.value.trim();
      yes.disabled = true;
      const r = await api(`certificates/${encodeURIComponent(certificate.certificateId)}/reissue`, { method: 'POST', json: {
        fullName: name && name !== certificate.holderName ? name : null, reason: reason.value.trim() || null,
      } });
      yes.disabled = false;
      if (!r.ok) return fields.show(summary, [{ field: r.data?.error?.code === 'invalid_reason' ? 'reason' : 'fullName', text: r.message }]);
      el.close();
      await route();
      announce(t('cert.reissued', { number: certificate.number, version: r.data.certificate.version }));
    } },
    h('p', { text: t('cert.reissueText') }), summary,
    fields.field('fullName', t('cert.fullName'), fullName, t('cert.fullName.hint')),
    fields.field('reason', t('cert.reasonOptional'), reason),
    h('div', { class: 'actions' }, yes, no));
    el = dialog(t('cert.reissueFor', { number: certificate.number }), form);
    no.addEventListener('click', () => el.close());
    fullName.focus();
  }

  // ---- #19 #21 #22 shared: which of the tabs below a cycle shows, and download links

  /** The tabs of #19/#21/#22: nomination only where the cycle has it; the API decides, this only hides. */
  function extraTabs(cycle) {
    const id = cycle.cycleId;
    return {
      nomination: Boolean(cycle.definition.nomination) && can('viewParticipants', id),
      evaluation: can('viewReports', id),
      records: can('viewParticipants', id),
    };
  }

  /** A real link (open in a new tab works) that, clicked, downloads through the API and says the API's reason when refused. */
  function downloadLink(path, fallbackName, text, attrs = {}) {
    const href = new URL(path, API).href;
    return h('a', { href, download: fallbackName, text, ...attrs, onclick: async (e) => {
      e.preventDefault();
      const result = await api(path, { accept: '*/*' });
      if (!result.ok) {
        const body = await result.response.text();
        return announce(errorMessage(safe(() => JSON.parse(body)), result.status), true);
      }

      const disposition = result.response.headers.get('Content-Disposition') || '';
      const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
      const url = URL.createObjectURL(await result.response.blob());
      const link = h('a', { href: url, download: match ? decodeURIComponent(match[1]) : fallbackName, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 30000);
    } });
  }

  const decimal = (n) => (n === null || n === undefined ? '—' : new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 }).format(n));

  // ---- #19 nomination: quotas per agency, nominees and decisions, letters, per-agency export, quota import

  async function nominationView(cycle) {
    const id = encodeURIComponent(cycle.cycleId);
    const [quotas, nominees] = await Promise.all([api(`cycles/${id}/quotas`), api(`cycles/${id}/nominees`)]);
    if (!quotas.ok) return h('p', { class: 'notice bad', role: 'alert', text: quotas.message });
    const q = quotas.data;
    const tz = cycle.schedule.timeZone;
    const runs = can('runCycle', cycle.cycleId);
    const people = nominees.ok ? nominees.data.items : [];
    return [
      h('h2', { text: t('nom.title') }),
      h('p', { id: 'nom-summary', text: t('nom.summary', { seats: number(q.totalSeats), capacity: number(q.capacity), open: number(q.capacity - q.totalSeats) }) },
        q.deadline ? [' ', t('nom.deadline'), ' ', timeEl(q.deadline, tz)] : null),
      q.items.length === 0 ? h('p', { class: 'notice', text: t('nom.noQuotas') }) : simpleTable(t('nom.quotas'),
        [t('nom.agency'), { text: t('nom.seats'), num: true }, { text: t('nom.nominated'), num: true }, { text: t('nom.approved'), num: true },
          { text: t('nom.rejected'), num: true }, { text: t('nom.letters'), num: true }, t('nom.coordinator'), t('nom.state'), t('nom.export')],
        q.items.map((a) => h('tr', { 'data-quota': a.quotaId },
          h('th', { scope: 'row' }, a.agency, a.regency ? h('small', { text: a.regency }) : null),
          ['seats', 'nominated', 'approved', 'rejected', 'letters'].map((k) => h('td', { class: 'num', text: number(a[k]) })),
          h('td', {}, a.coordinatorName || '—', a.coordinatorEmail ? h('small', { text: a.coordinatorEmail }) : null,
            runs ? h('button', { type: 'button', class: 'secondary small', text: t('nom.replace'), 'aria-label': t('nom.replaceFor', { agency: a.agency }), onclick: () => coordinatorDialog(cycle, a) }) : null),
          h('td', {}, a.released ? h('span', { class: 'badge', text: t('nom.released', { n: number(a.releasedSeats) }) })
            : a.outstanding ? h('span', { class: 'badge st-Waitlisted', text: t('nom.outstanding') }) : h('span', { class: 'badge st-Confirmed', text: t('nom.filled') })),
          h('td', {}, downloadLink(`cycles/${id}/nominees?format=csv&quota=${encodeURIComponent(a.quotaId)}`, `nominees-${cycle.cycleId}-${a.quotaId}.csv`, 'CSV',
            { 'aria-label': t('nom.exportFor', { agency: a.agency }) })))), 'nom-quotas'),
      h('h2', { text: t('nom.nominees') }),
      !nominees.ok ? h('p', { class: 'notice bad', role: 'alert', text: nominees.message }) : people.length === 0 ? h('p', { class: 'notice', text: t('nom.noNominees') }) : simpleTable(t('nom.nominees'),
        [t('nom.name'), t('nom.agency'), t('nom.position'), t('nom.letter'), t('nom.status'), runs ? t('nom.decide') : null].filter(Boolean),
        people.map((n) => h('tr', { 'data-nominee': n.nomineeId },
          h('th', { scope: 'row' }, n.fullName || t('nom.erased'), n.nip ? h('small', { class: 'nip', text: 'NIP ' + n.nip }) : null),
          h('td', { text: n.agency }),
          h('td', {}, n.position || '—', n.rank ? h('small', { text: n.rank }) : null),
          h('td', {}, n.letterId ? h('a', { href: new URL(`cycles/${id}/letters/${encodeURIComponent(n.letterId)}`, API).href, text: t('nom.letter'),
            'aria-label': t('nom.letterFor', { name: n.fullName }) }) : '—'),
          h('td', {}, h('span', { class: `badge nom-${n.status}`, text: t('nom.st.' + n.status) }), n.reason ? h('small', { text: n.reason }) : null,
            n.acceptedAt && n.status === 'Nominated' ? h('small', { class: 'nom-accepted', text: t('nom.accepted') }) : null),
          runs ? h('td', {}, n.status === 'Nominated' ? h('div', { class: 'actions' },
            h('button', { type: 'button', class: 'small', text: t('nom.approve'), 'aria-label': t('nom.approveFor', { name: n.fullName }), onclick: (e) => approveNominee(cycle, n, e.currentTarget) }),
            h('button', { type: 'button', class: 'danger small', text: t('nom.reject'), 'aria-label': t('nom.rejectFor', { name: n.fullName }), onclick: () => rejectDialog(cycle, n) }))
            // #23: one never seated (rejected, withdrawn, declined) has no participant page: the organizer erases on request.
            : n.status !== 'Approved' && n.fullName ? h('button', { type: 'button', class: 'danger small', text: t('nom.erase'), 'aria-label': t('nom.eraseFor', { name: n.fullName }),
              onclick: () => confirmDialog(t('nom.eraseFor', { name: n.fullName }), t('nom.eraseText'), () => eraseNominee(cycle, n)) }) : '—') : null)), 'nom-nominees'),
      runs ? quotaImport(cycle) : null,
    ];
  }

  async function approveNominee(cycle, nominee, button) {
    button.disabled = true;
    const r = await api(`cycles/${encodeURIComponent(cycle.cycleId)}/nominees/${encodeURIComponent(nominee.nomineeId)}/decision`, { method: 'POST', json: { decision: 'approve' } });
    if (!r.ok) {
      button.disabled = false;
      return announce(r.message, true);
    }

    await route();
    announce(t('nom.approvedDone', { name: nominee.fullName }));
  }

  async function eraseNominee(cycle, nominee) {
    const r = await api(`cycles/${encodeURIComponent(cycle.cycleId)}/nominees/${encodeURIComponent(nominee.nomineeId)}/erase`, { method: 'POST', json: { reason: 'request' } });
    if (!r.ok) return announce(r.message, true);
    await route();
    announce(t('nom.erasedDone', { name: nominee.fullName }));
  }

  function rejectDialog(cycle, nominee) {
    const fields = new FieldMap();
    const summary = h('div', {});
    const reason = h('textarea', { rows: 3, maxlength: 500 });
    const yes = h('button', { type: 'submit', class: 'danger', text: t('nom.reject') });
    const no = h('button', { type: 'button', class: 'secondary', text: t('confirm.back') });
    let el = null;
    const form = h('form', { novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      if (!reason.value.trim()) return fields.show(summary, [{ field: 'reason', text: t('nom.reasonRequired') }]);
      yes.disabled = true;
      const r = await api(`cycles/${encodeURIComponent(cycle.cycleId)}/nominees/${encodeURIComponent(nominee.nomineeId)}/decision`, { method: 'POST', json: { decision: 'reject', reason: reason.value.trim() } });
      yes.disabled = false;
      if (!r.ok) return fields.show(summary, [{ field: 'reason', text: r.message }]);
      el.close();
      await route();
      announce(t('nom.rejectedDone', { name: nominee.fullName }));
    } },
    h('p', { text: t('nom.rejectText') }), summary,
    fields.field('reason', t('nom.reason'), reason),
    h('div', { class: 'actions' }, yes, no));
    el = dialog(t('nom.rejectFor', { name: nominee.fullName }), form);
    no.addEventListener('click', () => el.close());
    reason.focus();
  }

  /** #19b: an organizer replaces an agency's coordinator (the grant moves, the new one is mailed a sign-in link). */
  function coordinatorDialog(cycle, quota) {
    const fields = new FieldMap();
    const summary = h('div', {});
    const name = input('text', { maxlength: 200, autocomplete: 'off' });
    const email = input('email', { maxlength: 254, autocomplete: 'off' });
    const language = h('select', {}, h('option', { value: 'id', text: 'Bahasa Indonesia' }), h('option', { value: 'en', text: 'English' }));
    const yes = h('button', { type: 'submit', text: t('nom.replace') });
    const no = h('button', { type: 'button', class: 'secondary', text: t('confirm.back') });
    let el = null;
    const form = h('form', { novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      yes.disabled = true;
      const r = await api(`cycles/${encodeURIComponent(cycle.cycleId)}/quotas/${encodeURIComponent(quota.quotaId)}/coordinator`, { method: 'POST', json: { name: name.value.trim(), email: email.value.trim(), language: language.value } });
      yes.disabled = false;
      if (!r.ok) {
        const details = Array.isArray(r.data?.error?.details) ? r.data.error.details : [];
        return fields.show(summary, details.length ? details : [{ field: 'name', text: r.message }]);
      }

      el.close();
      await route();
      announce(t('nom.replacedDone', { agency: quota.agency, name: r.data.coordinatorName }));
    } },
    h('p', { text: t('nom.replaceText') }), summary,
    fields.field('name', t('nom.coordName'), name),
    fields.field('email', t('nom.coordEmail'), email),
    fields.field('language', t('nom.coordLanguage'), language),
    h('div', { class: 'actions' }, yes, no));
    el = dialog(t('nom.replaceFor', { agency: quota.agency }), form);
    no.addEventListener('click', () => el.close());
    name.focus();
  }

  function quotaImport(cycle) {
    const result = h('div', { id: 'quota-result' });
    const file = input('file', { id: 'quota-file', accept: '.csv,text/csv,text/plain', 'aria-describedby': 'quota-file-hint quota-file-error' });
    const error = h('span', { class: 'error', id: 'quota-file-error' });
    const submit = h('button', { type: 'submit', text: t('nom.import') });
    const form = h('form', { novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      file.removeAttribute('aria-invalid');
      if (!file.files.length) {
        error.textContent = t('nom.choose');
        file.setAttribute('aria-invalid', 'true');
        file.focus();
        return;
      }

      submit.disabled = true;
      const r = await api(`cycles/${encodeURIComponent(cycle.cycleId)}/quotas`, { method: 'PUT', body: file.files[0], extraHeaders: { 'Content-Type': 'text/csv' } });
      submit.disabled = false;
      if (r.ok) {
        file.value = '';
        await route();
        announce(t('nom.imported', { n: number(r.data.imported), seats: number(r.data.totalSeats), open: number(r.data.open) }));
        return;
      }

      const rows = Array.isArray(r.data?.error?.details) ? r.data.error.details : [];
      const heading = h('h3', { tabindex: -1, text: r.message });
      result.replaceChildren(h('div', { class: 'notice bad', role: 'alert' }, heading), rows.length ? simpleTable(t('inv.rows'),
        [{ text: t('inv.line'), num: true }, t('inv.field'), t('inv.message')],
        rows.map((row) => h('tr', {}, h('td', { class: 'num', text: row.line }), h('td', { text: row.field || '—' }), h('td', { text: detailMessage(row) })))) : null);
      heading.focus();
    } },
    h('div', { class: 'field' },
      h('label', { for: 'quota-file', text: t('nom.file') }),
      h('span', { class: 'hint', id: 'quota-file-hint', text: t('nom.columns') }),
      error, file),
    h('div', { class: 'actions' }, submit));
    return h('section', { 'aria-labelledby': 'quota-heading', id: 'quota-import' },
      h('h2', { id: 'quota-heading', text: t('nom.importTitle') }), h('p', { text: t('nom.importLead') }), form, result);
  }

  // ---- #21 evaluation report: learning gain, ratings per session and per instructor, CSV export

  async function evaluationView(cycle) {
    const id = encodeURIComponent(cycle.cycleId);
    const personal = can('viewPersonalData', cycle.cycleId);
    const [ratings, results] = await Promise.all([api(`cycles/${id}/evaluation/ratings`), personal ? api(`cycles/${id}/evaluation/results`) : null]);
    if (!ratings.ok) return h('p', { class: 'notice bad', role: 'alert', text: ratings.message });
    const sessions = ratings.data.sessions;
    // An instructor's distribution is the sum of their sessions' (the API gives their average and count).
    const distributionOf = (target) => [0, 1, 2, 3, 4].map((i) => target.items.reduce((n, item) => n + (item.distribution[i] || 0), 0));
    const instructorDistribution = (name) => [0, 1, 2, 3, 4].map((i) => sessions.filter((s) => s.instructor === name).reduce((n, s) => n + distributionOf(s)[i], 0));
    return [
      h('h2', { text: t('ev.title') }),
      results ? gainSection(cycle, results) : null,
      h('section', { 'aria-labelledby': 'ev-sessions' },
        h('h3', { id: 'ev-sessions', text: t('ev.sessions') }),
        h('p', {}, downloadLink(`cycles/${id}/evaluation/ratings?format=csv&lang=${lang}`, `penilaian-${cycle.cycleId}.csv`, t('ev.ratingsCsv'), { class: 'button secondary', id: 'ev-ratings-csv' }), ' ',
          downloadLink(`cycles/${id}/evaluation/ratings?format=csv&part=comments&lang=${lang}`, `komentar-evaluasi-${cycle.cycleId}.csv`, t('ev.commentsCsv'), { class: 'button secondary', id: 'ev-comments-csv' })),
        simpleTable(t('ev.sessions'),
          [t('ev.target'), t('ev.instructor'), { text: t('ev.count'), num: true }, { text: t('ev.average'), num: true }, t('ev.distribution')],
          sessions.map((s) => h('tr', { 'data-target': s.target },
            h('th', { scope: 'row', text: s.title }), h('td', { text: s.instructor || '—' }),
            h('td', { class: 'num', text: number(s.count) }), h('td', { class: 'num', text: decimal(s.average) }),
            h('td', {}, s.count ? ratingBars(s.title, distributionOf(s)) : '—'))), 'ev-table')),
      h('section', { 'aria-labelledby': 'ev-instructors' },
        h('h3', { id: 'ev-instructors', text: t('ev.instructors') }),
        ratings.data.instructors.length === 0 ? h('p', { class: 'notice', text: t('ev.noInstructors') }) : simpleTable(t('ev.instructors'),
          [t('ev.instructor'), t('ev.instructorSessions'), { text: t('ev.count'), num: true }, { text: t('ev.average'), num: true }, t('ev.distribution')],
          ratings.data.instructors.map((i) => h('tr', { 'data-instructor': i.instructor },
            h('th', { scope: 'row', text: i.instructor }), h('td', { text: i.sessions.join(', ') }),
            h('td', { class: 'num', text: number(i.count) }), h('td', { class: 'num', text: decimal(i.average) }),
            h('td', {}, i.count ? ratingBars(i.instructor, instructorDistribution(i.instructor)) : '—'))), 'ev-table')),
    ];
  }

  function gainSection(cycle, results) {
    if (!results.ok) return h('p', { class: 'notice bad', role: 'alert', text: results.message });
    const { cohort, people } = results.data;
    const id = encodeURIComponent(cycle.cycleId);
    const signed = (n) => (n === null || n === undefined ? '—' : (n > 0 ? '+' : '') + decimal(n));
    return h('section', { 'aria-labelledby': 'ev-gain' },
      h('h3', { id: 'ev-gain', text: t('ev.gain') }),
      h('dl', { class: 'facts', id: 'ev-cohort' },
        fact(t('ev.withBoth'), number(cohort.withBoth)),
        fact(t('ev.avgPre'), decimal(cohort.averagePre)),
        fact(t('ev.avgPost'), decimal(cohort.averagePost)),
        fact(t('ev.avgGain'), signed(cohort.averageGain))),
      h('p', {}, downloadLink(`cycles/${id}/evaluation/results?format=csv`, `nilai-${cycle.cycleId}.csv`, t('ev.export'), { class: 'button secondary', id: 'ev-export' }), ' ',
        downloadLink(`cycles/${id}/evaluation/summary.pdf`, `evaluasi-${cycle.cycleId}.pdf`, t('ev.pdf'), { class: 'button secondary', id: 'ev-pdf' })),
      people.length === 0 ? h('p', { class: 'notice', text: t('ev.noResults') }) : simpleTable(t('ev.gain'),
        [t('ev.person'), { text: t('ev.pre'), num: true }, { text: t('ev.post'), num: true }, { text: t('ev.gainPoints'), num: true }],
        people.map((p) => h('tr', { 'data-participant': p.participantId },
          h('th', { scope: 'row' }, p.name || '—', p.registrationNumber ? h('small', { text: p.registrationNumber }) : null),
          h('td', { class: 'num', text: decimal(p.pre) }), h('td', { class: 'num', text: decimal(p.post) }), h('td', { class: 'num', text: signed(p.gain) }))), 'ev-people'));
  }

  /** Five bars (scores 1–5) with their counts, drawn with DOM calls; the label says the same in words. */
  function ratingBars(title, counts) {
    const W = 200, H = 84, B = 18, T = 16, bar = 28, gap = 10;
    const max = Math.max(1, ...counts);
    const y = (v) => H - B - (v * (H - T - B)) / max;
    const words = counts.map((n, i) => t('ev.score', { score: i + 1, n })).join(', ');
    return svg('svg', { class: 'chart rating-bars', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('ev.distributionOf', { title, list: words }) },
      counts.map((n, i) => {
        const x = 4 + i * (bar + gap);
        return [svg('rect', { class: 'bar', x, y: y(n), width: bar, height: H - B - y(n), 'data-score': i + 1 }),
          svg('text', { x: x + bar / 2, y: y(n) - 3, 'text-anchor': 'middle', text: String(n) }),
          svg('text', { x: x + bar / 2, y: H - 4, 'text-anchor': 'middle', text: String(i + 1) })];
      }),
      svg('line', { class: 'axis', x1: 0, x2: W, y1: H - B, y2: H - B }));
  }

  // ---- #22 records: a person's JP per year by NIP (administrators), and per cycle the SIASN CSV and certificate ZIP

  async function renderRecords(query, stillHere) {
    const nip = (query.get('nip') || '').replace(/\s+/g, '');
    const box = input('text', { id: 'rec-nip', value: nip, autocomplete: 'off', inputmode: 'numeric', spellcheck: 'false', 'aria-describedby': 'rec-nip-hint' });
    const form = h('form', { class: 'filters search-row', role: 'search', 'aria-label': t('rec.search'), onsubmit: (e) => {
      e.preventDefault();
      const value = box.value.replace(/\s+/g, '');
      navigate(value ? `#/records?nip=${encodeURIComponent(value)}` : '#/records');
    } },
    h('div', { class: 'field' }, h('label', { for: 'rec-nip', text: t('rec.nip') }), h('span', { class: 'hint', id: 'rec-nip-hint', text: t('rec.nipHint') }), box),
    h('button', { type: 'submit', text: t('rec.find') }));
    let body = null;
    if (nip) {
      const r = await api(`records/people/${encodeURIComponent(nip)}`);
      body = r.ok ? personRecord(r.data) : h('p', { class: 'notice bad', role: 'alert', id: 'rec-error', text: r.message });
    }

    show(stillHere, t('rec.title'), h('h1', { text: t('rec.title') }), h('p', { class: 'lead', text: t('rec.lead') }), form, body);
  }

  function personRecord(person) {
    if (person.entries.length === 0) return h('p', { class: 'notice', id: 'rec-none', text: t('rec.none', { nip: person.nip }) });
    return h('section', { 'aria-labelledby': 'rec-person' },
      h('h2', { id: 'rec-person', text: person.fullName ? `${person.fullName} (NIP ${person.nip})` : 'NIP ' + person.nip }),
      simpleTable(t('rec.years'),
        [t('rec.year'), { text: t('rec.jp'), num: true }, { text: t('rec.required'), num: true }, t('rec.met')],
        person.years.map((y) => h('tr', { 'data-year': y.year },
          h('th', { scope: 'row', text: y.year }), h('td', { class: 'num', text: number(y.jp) }), h('td', { class: 'num', text: number(y.required) }),
          h('td', {}, h('span', { class: y.met ? 'badge st-Confirmed' : 'badge st-Waitlisted', text: y.met ? t('rec.metYes') : t('rec.metNo', { n: number(y.required - y.jp) }) })))), 'rec-years'),
      simpleTable(t('rec.entries'),
        [t('rec.training'), t('rec.dates'), { text: t('rec.jp'), num: true }, t('rec.certificate')],
        person.entries.map((e) => h('tr', {},
          h('th', { scope: 'row' }, e.trainingTitle, e.institution ? h('small', { text: e.institution }) : null),
          h('td', { text: e.startDate === e.endDate ? e.startDate : `${e.startDate} – ${e.endDate}` }),
          h('td', { class: 'num', text: number(e.jp) }),
          h('td', {}, e.certificateNumber || '—', e.counts === false ? h('small', { text: t('rec.notCounted', { status: e.status }) }) : null))), 'rec-entries'));
  }

  function cycleRecordsView(cycle) {
    const id = encodeURIComponent(cycle.cycleId);
    return [
      h('h2', { text: t('rec.cycleTitle') }),
      h('p', { text: t('rec.cycleLead') }),
      h('ul', { class: 'downloads' },
        h('li', {}, downloadLink(`cycles/${id}/siasn.csv`, `siasn-${cycle.cycleId}.csv`, t('rec.siasn'), { id: 'rec-siasn' }), ' ', h('small', { text: t('rec.siasnHint') })),
        // The ZIP is streamed by the server: a plain link, so the browser writes it to disk as it comes.
        h('li', {}, h('a', { href: new URL(`cycles/${id}/certificates.zip`, API).href, download: `sertifikat-${cycle.cycleId}.zip`, id: 'rec-zip', text: t('rec.zip') }), ' ', h('small', { text: t('rec.zipHint') }))),
      biodataView(cycle),
    ];
  }

  // ---- #20 completion: absence requests (approve / reject with a note, evidence), the roster lock and reopening

  /** Below a session's roster: the cycle's absence requests and the roster lock. Filled when the API answers. */
  function completionBlock(cycle) {
    const section = h('section', { 'aria-labelledby': 'cp-heading', id: 'completion-block' }, h('h3', { id: 'cp-heading', text: t('cp.title') }), h('p', { text: t('loading') }));
    fillCompletion(cycle, section);
    return section;
  }

  async function fillCompletion(cycle, section, openItems) {
    const id = encodeURIComponent(cycle.cycleId);
    const r = await api(`cycles/${id}/absence-requests`);
    const heading = h('h3', { id: 'cp-heading', text: t('cp.title') });
    if (!r.ok) return section.replaceChildren(heading, h('p', { class: 'notice bad', role: 'alert', text: r.message }));
    const { locked, requests } = r.data;
    const titles = Object.fromEntries(cycle.schedule.sessions.map((s) => [s.id, s.title]));
    const lockState = h('p', { id: 'roster-lock-state' }, h('span', { class: locked ? 'badge mk-Absent' : 'badge mk-Present', text: t(locked ? 'cp.locked' : 'cp.unlocked') }));
    const actions = h('div', { class: 'actions' });
    if (!locked && can('runCycle', cycle.cycleId)) {
      actions.append(h('button', { type: 'button', id: 'roster-lock', text: t('cp.lock'), onclick: async (e) => {
        e.target.disabled = true;
        const answer = await api(`cycles/${id}/roster/lock`, { method: 'POST' });
        if (answer.ok) {
          await fillCompletion(cycle, section);
          return announce(t('cp.lockDone'));
        }

        await fillCompletion(cycle, section, answer.data?.error?.details || null);
        announce(answer.message, true);
      } }));
    }

    if (locked && can('manageAccess', cycle.cycleId)) {
      actions.append(h('button', { type: 'button', class: 'secondary', id: 'roster-reopen', text: t('cp.reopen'), onclick: () =>
        noteDialog(t('cp.reopenTitle'), t('cp.reopenText'), t('cp.reason'), t('cp.reopen'), (reason) => api(`cycles/${id}/roster/reopen`, { method: 'POST', json: { reason } }),
          async () => { await fillCompletion(cycle, section); announce(t('cp.reopenDone')); }) }));
    }

    const rows = requests.map((q) => {
      const name = q.name || q.participantId;
      const decide = (decision, note) => api(`cycles/${id}/absence-requests/${encodeURIComponent(q.requestId)}/decision`, { method: 'POST', json: { decision, note } });
      const after = (decision) => async () => { await fillCompletion(cycle, section); announce(t('cp.decided.' + decision, { name })); };
      const buttons = q.status === 'Pending' && !locked ? h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'small', text: t('cp.approve'), 'aria-label': t('cp.approveFor', { name }), onclick: async (e) => {
          e.target.disabled = true;
          const answer = await decide('approve', null);
          if (!answer.ok) { e.target.disabled = false; return announce(answer.message, true); }
          await after('approve')();
        } }),
        h('button', { type: 'button', class: 'small danger', text: t('cp.reject'), 'aria-label': t('cp.rejectFor', { name }), onclick: () =>
          noteDialog(t('cp.rejectTitle', { name }), t('cp.rejectText'), t('cp.note'), t('cp.reject'), (note) => decide('reject', note), after('reject')) })) : null;
      return h('tr', { 'data-request': q.requestId },
        h('th', { scope: 'row', text: name }),
        h('td', { text: titles[q.sessionId] || q.sessionId }),
        h('td', { text: t('cp.why.' + q.reason) }),
        h('td', { text: q.note || '—' }),
        h('td', {}, q.hasEvidence && can('viewPersonalData', cycle.cycleId)
          ? downloadLink(`cycles/${id}/absence-requests/${encodeURIComponent(q.requestId)}/evidence`, `bukti-izin-${q.sessionId}`, t('cp.evidence'), { 'aria-label': t('cp.evidenceFor', { name }) })
          : '—'),
        h('td', {}, h('span', { class: `badge cp-${q.status}`, text: t('cp.status.' + q.status) }), q.decisionNote ? h('small', { text: ' ' + q.decisionNote }) : null),
        h('td', {}, buttons));
    });
    section.replaceChildren(heading, lockState, actions,
      openItems ? openItemsList(openItems, titles) : null,
      h('h4', { text: t('cp.requests') }),
      rows.length === 0 ? h('p', { class: 'hint', text: t('cp.none') })
        : simpleTable(t('cp.requests'), [t('cp.person'), t('cp.session'), t('cp.reason'), t('cp.note'), t('cp.evidence'), t('cp.status'), t('cp.actions')], rows, 'cp-requests'));
  }

  /** What the lock refusal listed: sessions not over, unmarked people (session|participant), pending requests. */
  function openItemsList(details, titles) {
    const items = [
      ...(details.sessionsNotEnded || []).map((s) => t('cp.item.session', { session: titles[s] || s })),
      ...(details.unmarked || []).map((key) => { const [s, p] = key.split('|'); return t('cp.item.unmarked', { session: titles[s] || s, participant: p }); }),
      ...(details.pendingAbsenceRequests || []).map((q) => t('cp.item.pending', { request: q })),
    ];
    return h('div', { class: 'notice bad', id: 'roster-open-items' }, h('p', { text: t('cp.openItems') }), h('ul', {}, items.map((text) => h('li', { text }))));
  }

  /** A dialog asking for a required one-line note, then sending it; the API's refusal is shown next to the field. */
  function noteDialog(title, text, label, submit, send, done) {
    const fields = new FieldMap();
    const summary = h('div', {});
    const note = h('textarea', { rows: 3, maxlength: 500 });
    const yes = h('button', { type: 'submit', class: 'danger', text: submit });
    const no = h('button', { type: 'button', class: 'secondary', text: t('confirm.back') });
    let el = null;
    const form = h('form', { novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      if (!note.value.trim()) return fields.show(summary, [{ field: 'note', text: t('cp.noteRequired') }]);
      yes.disabled = true;
      const r = await send(note.value.trim());
      yes.disabled = false;
      if (!r.ok) return fields.show(summary, [{ field: 'note', text: r.message }]);
      el.close();
      await done();
    } },
    h('p', { text }), summary, fields.field('note', label, note), h('div', { class: 'actions' }, yes, no));
    el = dialog(title, form);
    no.addEventListener('click', () => el.close());
    note.focus();
  }

  // ---- #23a privacy: the retention report (what is due, or would be in a dry run) and the breach query with its CSV

  async function renderPrivacy(query, stillHere) {
    const report = await api('privacy/retention');
    if (!report.ok) return failure(stillHere, report);
    const r = report.data;
    const last = r.lastRound;
    const retention = h('section', { 'aria-labelledby': 'prv-retention' },
      h('h2', { id: 'prv-retention', text: t('prv.retention') }),
      h('p', { id: 'prv-mode', class: r.settings.dryRun ? 'notice' : null, text: r.settings.dryRun ? t('prv.dryRun') : t('prv.live') }),
      h('p', { class: 'hint', text: t('prv.settings', { personal: r.settings.personalDataAfterCycle, letters: r.settings.lettersAfter, invitees: r.settings.neverRegisteredInviteesAfterRegistrationCloses, every: r.settings.interval }) }),
      h('p', { id: 'prv-last' }, last ? [t('prv.lastRound', { round: last.round, count: last.items.reduce((n, i) => n + (last.dryRun ? i.due : i.participants), 0) }), ' ', timeEl(last.at, 'Asia/Jakarta', 'short')] : t('prv.noRound')),
      r.due.length === 0 ? h('p', { class: 'notice', id: 'prv-none', text: t('prv.none') }) : simpleTable(t('prv.due'),
        [t('prv.cycle'), t('prv.kind'), t('prv.since'), { text: t('prv.count'), num: true }, t('prv.people')],
        r.due.map((d) => h('tr', { 'data-kind': d.kind },
          h('th', { scope: 'row' }, d.title, h('small', { text: d.cycleId })),
          h('td', { text: t('prv.kind.' + d.kind) }),
          h('td', {}, timeEl(d.dueSince, 'Asia/Jakarta', 'short')),
          h('td', { class: 'num', text: number(d.count) }),
          h('td', {}, h('details', {}, h('summary', { text: t('prv.show') }), h('ul', {}, d.people.map((p) => h('li', { text: `${p.name || t('prv.erased')} (${p.participantId})` }))))))), 'prv-due'));

    const from = input('datetime-local', { id: 'prv-from', value: query.get('from') || '' });
    const to = input('datetime-local', { id: 'prv-to', value: query.get('to') || '' });
    const resources = input('text', { id: 'prv-resources', value: query.get('resources') || '', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'prv-resources-hint' });
    const form = h('form', { class: 'filters', 'aria-label': t('prv.breach'), onsubmit: (e) => {
      e.preventDefault();
      const next = new URLSearchParams({ from: from.value, to: to.value });
      if (resources.value.trim()) next.set('resources', resources.value.trim());
      navigate('#/privacy?' + next.toString());
    } },
    h('div', { class: 'grid' },
      h('div', { class: 'field' }, h('label', { for: 'prv-from', text: t('prv.from') }), from),
      h('div', { class: 'field' }, h('label', { for: 'prv-to', text: t('prv.to') }), to),
      h('div', { class: 'field' }, h('label', { for: 'prv-resources', text: t('prv.resources') }), h('span', { class: 'hint', id: 'prv-resources-hint', text: t('prv.resourcesHint') }), resources)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: t('prv.find') })));
    let result = null;
    if (query.get('from') && query.get('to')) {
      const params = new URLSearchParams({ from: query.get('from'), to: query.get('to'), resources: query.get('resources') || '' });
      const b = await api('privacy/breach?' + params.toString());
      result = !b.ok ? h('p', { class: 'notice bad', role: 'alert', id: 'prv-error', text: b.message }) : [
        h('p', { role: 'status', id: 'prv-count', text: t('prv.affected', { count: b.data.count, accesses: b.data.accesses }) }),
        b.data.resourcesSeen.length ? h('p', { class: 'hint', text: t('prv.seen', { list: b.data.resourcesSeen.join(', ') }) }) : null,
        h('p', {}, downloadLink('privacy/breach?' + params.toString() + '&format=csv', 'terdampak.csv', t('prv.csv'), { id: 'prv-csv' })),
        b.data.people.length === 0 ? null : simpleTable(t('prv.breach'),
          [t('prv.cycle'), t('prv.name'), t('prv.email'), t('prv.resources'), { text: t('prv.accesses'), num: true }],
          b.data.people.map((p) => h('tr', {},
            h('td', {}, p.cycleTitle, h('small', { text: p.cycleId })),
            h('th', { scope: 'row' }, p.erased ? t('prv.erased') : p.fullName, h('small', { text: p.participantId })),
            h('td', { text: p.email || '' }),
            h('td', { text: p.resources.join(', ') }),
            h('td', { class: 'num', text: number(p.accesses) }))), 'prv-people'),
      ];
    }

    show(stillHere, t('prv.title'), h('h1', { text: t('prv.title') }), h('p', { class: 'lead', text: t('prv.lead') }), retention,
      h('section', { 'aria-labelledby': 'prv-breach' }, h('h2', { id: 'prv-breach', text: t('prv.breach') }), h('p', { text: t('prv.breachLead') }), form, result));
  }

  // ---- #22 records: biodata confirmation — counts, correction requests with accept/reject (docs/biodata.md)

  const BIO_FIELDS = ['fullName', 'nip', 'birthPlace', 'birthDate', 'rank', 'position', 'agency'];

  /** A section filled when the list arrives; the API decides who may see it (ViewPersonalData) and decide (RunCycle). */
  function biodataView(cycle) {
    const box = h('section', { id: 'bio', 'aria-labelledby': 'bio-title' }, h('h2', { id: 'bio-title', text: t('bio.title') }), h('p', { text: t('bio.loading') }));
    loadBiodata(box, cycle.cycleId);
    return box;
  }

  async function loadBiodata(box, cycleId) {
    const id = encodeURIComponent(cycleId);
    const r = await api(`cycles/${id}/biodata/requests`);
    const content = [h('h2', { id: 'bio-title', text: t('bio.title') })];
    if (!r.ok) {
      content.push(h('p', { class: 'notice bad', role: 'alert', id: 'bio-error', text: r.message }));
      return box.replaceChildren(...content);
    }

    const d = r.data;
    content.push(h('p', { id: 'bio-deadline', text: d.deadline ? t('bio.deadline', { at: new Date(d.deadline).toLocaleString(locale(), { timeZone: 'Asia/Jakarta', dateStyle: 'long', timeStyle: 'short' }) + ' WIB' }) : t('bio.noDeadline') }));
    content.push(h('ul', { id: 'bio-counts' },
      h('li', { 'data-count': 'confirmed', text: t('bio.confirmed', { n: number(d.counts.confirmed), of: number(d.counts.participants) }) }),
      h('li', { 'data-count': 'pending', text: t('bio.pending', { n: number(d.counts.correctionPending) }) }),
      h('li', { 'data-count': 'noAnswer', text: t('bio.noAnswer', { n: number(d.counts.noAnswer) }) })));
    if (d.requests.length === 0) {
      content.push(h('p', { id: 'bio-none', text: t('bio.none') }));
    } else {
      content.push(simpleTable(t('bio.requests'), [t('bio.person'), t('bio.asked'), t('bio.status'), t('bio.decide')],
        d.requests.map((q) => biodataRow(box, cycleId, q)), 'bio-requests'));
    }

    box.replaceChildren(...content);
  }

  function biodataRow(box, cycleId, q) {
    const changes = h('ul', {}, BIO_FIELDS.filter((f) => f in q.requested).map((f) =>
      h('li', {}, h('strong', { text: t('bio.f.' + f) + ': ' }), `${q.previous[f] || '—'} → ${q.requested[f] || '—'}`)));
    let decide = h('span', { text: q.reason ? `${q.decidedBy || ''} — ${q.reason}` : (q.decidedBy || '—') });
    if (q.status === 'Pending') {
      const reasonId = uid('bio-reason');
      const reason = input('text', { id: reasonId, maxlength: '500', autocomplete: 'off' });
      const send = async (decision) => {
        const path = `cycles/${encodeURIComponent(cycleId)}/biodata/requests/${encodeURIComponent(q.requestId)}/decision`;
        const result = await api(path, { method: 'POST', json: { decision, reason: reason.value } });
        if (!result.ok) return announce(result.message, true);
        announce(t(decision === 'accept' ? 'bio.accepted' : 'bio.rejected', { name: q.fullName || '' }));
        await loadBiodata(box, cycleId);
      };
      decide = h('div', { class: 'bio-decide' },
        h('label', { for: reasonId, text: t('bio.reason') }), reason,
        h('button', { type: 'button', class: 'bio-accept', text: t('bio.accept'), onclick: () => send('accept') }), ' ',
        h('button', { type: 'button', class: 'bio-reject', text: t('bio.reject'), onclick: () => send('reject') }));
    }

    return h('tr', { 'data-request': q.requestId },
      h('th', { scope: 'row', text: q.fullName || q.participantId }),
      h('td', {}, changes),
      h('td', {}, h('span', { class: 'badge', text: t('bio.st.' + q.status) })),
      h('td', {}, decide));
  }

  // ---------------------------------------------------------------- start

  // A request refused with 401 has already sent the user to the sign-in screen; nothing more to report.
  window.addEventListener('unhandledrejection', (e) => { if (e.reason instanceof SignedOut) e.preventDefault(); });
  window.addEventListener('hashchange', route);
  route();
})();
