// SPDX-License-Identifier: Apache-2.0
// app.js — the mamori console: logs in through POST /api/v1/session, then
// shows the page of the account's role (sme, provider, buyer, coordinator;
// admin sees the provider's queue over every tenant). Every figure comes
// from the JSON API (docs/api.md "Console API"); nothing is computed that
// the API does not back. DOM is built with textContent only (no innerHTML),
// and the page runs under a strict Content-Security-Policy.
'use strict';
(function () {
  const T = window.MamoriI18n;
  const P = window.MamoriPlot;
  const state = { session: null, lang: localStorage.getItem('mamori.lang') || 'ja', tenants: [] };
  const main = document.getElementById('main');

  // ---- small helpers -------------------------------------------------------

  const t = (key, vars) => T.t(state.lang, key, vars);

  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      const v = attrs[k];
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of kids.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return e;
  }

  function say(msg) {
    const s = document.getElementById('status');
    s.textContent = msg;
    clearTimeout(say.timer);
    say.timer = setTimeout(() => { s.textContent = ''; }, 4000);
  }

  class ApiError extends Error {
    constructor(status, msg) { super(msg); this.status = status; }
  }

  async function api(method, path, body) {
    const opt = { method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      opt.headers['Content-Type'] = 'application/json';
      opt.body = JSON.stringify(body);
    }
    if (method !== 'GET' && state.session) opt.headers['X-CSRF-Token'] = state.session.csrf;
    const r = await fetch(path, opt);
    const text = await r.text();
    let j = null;
    try { j = text ? JSON.parse(text) : null; } catch (e) { j = null; }
    if (r.status === 401 && path !== '/api/v1/session') {
      sessionStorage.removeItem('mamori.in');
      state.session = null;
      render();
    }
    if (!r.ok) throw new ApiError(r.status, (j && j.error) || r.statusText);
    return j;
  }

  // The API gives RFC 3339 times with the account's offset; shown in the
  // account's time zone (JST unless the account says otherwise).
  function when(s) {
    if (!s) return '—';
    const d = new Date(s);
    if (isNaN(d)) return s;
    return new Intl.DateTimeFormat(state.lang === 'ja' ? 'ja-JP' : 'en-GB', {
      timeZone: (state.session && state.session.tz) || 'Asia/Tokyo',
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    }).format(d);
  }

  function day(ms) {
    return new Intl.DateTimeFormat('en-CA', {
      timeZone: (state.session && state.session.tz) || 'Asia/Tokyo',
      year: 'numeric', month: '2-digit', day: '2-digit',
    }).format(new Date(ms));
  }

  const sev = (s) => h('span', { class: `sev sev-${s}` }, t(`sev.${s}`));
  const ruleName = (a) => (state.lang === 'ja' && a.rule_name_ja) || a.rule_name || a.rule_id;
  const advice = (a) => (state.lang === 'ja' ? a.advice_ja || a.advice_en : a.advice_en || a.advice_ja);
  const tenantName = (id) => {
    const x = state.tenants.find((v) => v.id === id);
    return x && x.name ? x.name : id;
  };

  function section(id, title, ...kids) {
    return h('section', { 'aria-labelledby': id }, h('h2', { id }, title), ...kids);
  }

  // Fills a placeholder once its data arrives; an endpoint the hub lacks or
  // refuses shows a plain sentence instead of the section's figures.
  function later(promiseFn) {
    const box = h('div', {}, h('p', { class: 'muted' }, t('loading')));
    promiseFn().then((node) => box.replaceChildren(node)).catch((e) => {
      box.replaceChildren(h('p', { class: 'muted' }, e.status === 404 || e.status === 501
        ? t('not_available') : t('error', { msg: e.message })));
    });
    return box;
  }

  // ---- login ---------------------------------------------------------------

  function loginPage() {
    const err = h('p', { class: 'error', role: 'alert' });
    const user = h('input', { id: 'login-user', name: 'user', autocomplete: 'username', required: true });
    const pw = h('input', { id: 'login-password', name: 'password', type: 'password',
      autocomplete: 'current-password', required: true });
    const totp = h('input', { id: 'login-totp', name: 'totp', inputmode: 'numeric',
      autocomplete: 'one-time-code' });
    const form = h('form', { class: 'login panel', onsubmit: async (ev) => {
      ev.preventDefault();
      err.textContent = '';
      const body = { user: user.value, password: pw.value };
      if (totp.value) body.totp = totp.value;
      try {
        state.session = await api('POST', '/api/v1/session', body);
        sessionStorage.setItem('mamori.in', '1');
        render();
      } catch (e) {
        err.textContent = e.status === 429 ? t('login.throttled') : t('login.failed');
      }
    } },
    h('h1', {}, t('login.title')),
    h('p', {}, h('label', { for: 'login-user' }, t('login.user')), user),
    h('p', {}, h('label', { for: 'login-password' }, t('login.password')), pw),
    h('p', {}, h('label', { for: 'login-totp' }, t('login.totp')), totp),
    err,
    h('button', { type: 'submit' }, t('login.submit')));
    return form;
  }

  // ---- alerts and cases (SME and provider) ---------------------------------

  async function triage(a, body, done) {
    try {
      await api('POST', `/api/v1/alerts/${a.id}`, body);
      say(t('saved'));
      done();
    } catch (e) { say(t('error', { msg: e.message })); }
  }

  // Alerts per day over the 30 days up to the newest alert (a replayed or
  // old log is shown where its alerts are, not as 30 empty days).
  function perDay(alerts) {
    const times = alerts.map((a) => new Date(a.first_seen).getTime()).filter((x) => !isNaN(x));
    const end = times.length ? Math.max(...times) : Date.now();
    const days = [];
    for (let i = 29; i >= 0; i--) days.push({ key: day(end - i * 86400000), value: 0 });
    const idx = new Map(days.map((d, i) => [d.key, i]));
    for (const x of times) {
      const k = day(x);
      if (idx.has(k)) days[idx.get(k)].value += 1;
    }
    return days.map((d) => ({ label: d.key.slice(5).replace('-', '/'), value: d.value, day: d.key }));
  }

  function alertCard(a, reload) {
    const ack = a.status === 'new' && h('button', { type: 'button',
      onclick: () => triage(a, { status: 'acknowledged' }, reload) }, t('alert.ack'));
    return h('article', { class: 'card', 'aria-labelledby': `a-${a.id}` },
      h('h3', { id: `a-${a.id}` }, sev(a.severity), ' ', ruleName(a)),
      h('p', { class: 'muted' }, t('alert.seen', { first: when(a.first_seen), last: when(a.last_seen),
        count: a.count }), a.source_ip ? ` · ${t('alert.from', { ip: a.source_ip })}` : '',
      ` · ${t(`status.${a.status}`)}`),
      advice(a) && h('p', { class: 'advice' }, h('strong', {}, t('alert.todo')), ' ', advice(a)),
      h('div', { class: 'actions' }, ack));
  }

  // onChange: called after a step is ticked (the case list's counts).
  async function caseDetail(id, box, onChange) {
    const c = await api('GET', `/api/v1/cases/${id}`);
    const reload = () => {
      if (onChange) onChange();
      caseDetail(id, box, onChange).catch((e) => say(e.message));
    };
    const steps = h('ul', { class: 'steps' }, (c.steps || []).map((s) => {
      const cid = `step-${c.id}-${s.id}`;
      const cb = h('input', { type: 'checkbox', id: cid, checked: s.done, disabled: s.done,
        onchange: async () => {
          try {
            await api('POST', `/api/v1/cases/${c.id}/steps/${encodeURIComponent(s.id)}`, { done: true });
            say(t('saved'));
            reload();
          } catch (e) { say(t('error', { msg: e.message })); }
        } });
      return h('li', {}, cb, ' ', h('label', { for: cid },
        state.lang === 'ja' ? s.text_ja : s.text_en),
      s.due ? h('span', { class: 'muted' }, ` ${t('case.due', { at: when(s.due) })}`) : '',
      s.done ? h('span', { class: 'muted' }, ` ✔ ${t('case.done_by', { who: s.done_by || '', at: when(s.done_at) })}`) : '');
    }));
    box.replaceChildren(h('div', { class: 'card', id: `case-${c.id}` },
      h('h3', {}, t('case.title', { id: c.id }), ' ', c.title || ''),
      h('p', { class: 'muted' }, `${tenantName(c.tenant)} · ${t(`cstatus.${c.status}`)} · ${when(c.opened)}`),
      h('h4', {}, t('case.steps')), steps,
      h('p', {}, h('a', { href: `/api/v1/cases/${c.id}/export.html` }, t('case.export')))));
  }

  function casesList() {
    const detail = h('div', { id: 'case-detail' });
    return later(async () => {
      const r = await api('GET', '/api/v1/cases');
      const cases = r.cases || [];
      if (!cases.length) return h('p', {}, t('case.none'));
      return h('div', {}, h('table', {},
        h('caption', { class: 'muted' }, t('case.caption')),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('col.case')), h('th', { scope: 'col' }, t('col.sme')),
          h('th', { scope: 'col' }, t('col.status')), h('th', { scope: 'col' }, t('col.opened')),
          h('th', { scope: 'col' }, t('col.steps')))),
        h('tbody', {}, cases.map((c) => h('tr', {},
          h('td', {}, h('button', { type: 'button', class: 'secondary',
            onclick: () => caseDetail(c.id, detail).catch((e) => say(e.message)) },
          t('case.title', { id: c.id }), ' ', c.title || '')),
          h('td', {}, tenantName(c.tenant)), h('td', {}, t(`cstatus.${c.status}`)),
          h('td', {}, when(c.opened)), h('td', {}, `${c.steps_done}/${c.steps_total}`))))), detail);
    });
  }

  // ---- SME -----------------------------------------------------------------

  // "This month in plain words": only the figures /api/v1/summary gives; a
  // null figure makes no claim.
  function summaryText(s) {
    const out = [];
    const has = (v) => v !== null && v !== undefined;
    if (has(s.attacks)) out.push(t('sum.alerts', { month: monthName(s.month), n: s.attacks }));
    if (has(s.feed_first_hit_stopped)) out.push(t('sum.feed', { n: s.feed_first_hit_stopped }));
    if (has(s.alerts_open)) out.push(t('sum.open', { n: s.alerts_open }));
    if (has(s.cases_open)) out.push(t('sum.cases', { n: s.cases_open }));
    // "blocked" only as the blocking sensor's counters measured it
    if (has(s.blocked)) out.push(t('sum.blocked', { n: s.blocked.entries, p: s.blocked.packets }));
    return out;
  }

  // "2026-12" → 「2026年12月」 / "December 2026".
  function monthName(m) {
    if (!/^\d{4}-\d{2}$/.test(m || '')) return m || '';
    return new Intl.DateTimeFormat(state.lang === 'ja' ? 'ja-JP' : 'en-GB',
      { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date(`${m}-01T00:00:00Z`));
  }

  const fig = (v, f) => (v === null || v === undefined ? '—' : f(v));

  // rows: [{tenant, last_seen, lines_per_s, unparsed_share}]; a figure the
  // API does not give (null) is a dash, not a guess.
  function sensorsTable(rows) {
    if (!rows.length) return h('p', {}, t('sensor.none'));
    return h('table', { id: 'sensors' }, h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('col.sme')), h('th', { scope: 'col' }, t('col.last_seen')),
      h('th', { scope: 'col' }, t('col.lines_s')), h('th', { scope: 'col' }, t('col.unparsed')))),
    h('tbody', {}, rows.map((x) => h('tr', { class: x.last_seen ? undefined : 'short' },
      h('td', {}, tenantName(x.tenant)),
      h('td', { class: x.last_seen && !x.silent ? undefined : 'bad' }, x.last_seen ? when(x.last_seen) : t('sensor.never'),
        x.silent ? ` — ${t('sensor.silent')}` : ''),
      h('td', {}, fig(x.lines_per_s, (v) => v.toFixed(1))),
      h('td', {}, fig(x.unparsed_share, (v) => `${(100 * v).toFixed(1)} %`))))));
  }

  const sensorRows = (s) => (s.sensors || []).map((x) => ({ ...x, tenant: s.tenant || x.id }));

  function smePage() {
    const me = state.session.tenant;
    const reload = () => render();
    const month = later(async () => {
      const s = await api('GET', `/api/v1/summary?tenant=${encodeURIComponent(me)}`);
      const lines = summaryText(s);
      const kids = [h('div', { class: 'panel lead' }, lines.length ? lines.map((l) => h('p', {}, l))
        : h('p', {}, t('sum.none')))];
      kids.push(h('h3', {}, t('sensor.title')), sensorsTable(sensorRows(s)));
      return h('div', {}, kids);
    });
    const alerts = later(async () => {
      const r = await api('GET', '/api/v1/alerts?limit=500');
      const all = r.alerts || [];
      const open = all.filter((a) => a.status === 'new' || a.status === 'acknowledged' || a.status === 'assigned');
      return h('div', {},
        ...(() => {
          const pts = perDay(all);
          const title = t('plot.per_day', { from: pts[0].day, to: pts[pts.length - 1].day });
          return [h('h3', {}, title), P.bars(pts, title)];
        })(),
        h('h3', {}, t('alert.open_n', { n: open.length })),
        open.length ? open.slice(0, 50).map((a) => alertCard(a, reload)) : h('p', {}, t('alert.none')));
    });
    return h('div', {},
      h('h1', {}, t('sme.title', { name: tenantName(me) })),
      section('h-month', t('sme.month'), month),
      section('h-alerts', t('sme.alerts'), alerts),
      section('h-warn', t('sme.warnings'), warningsList()),
      section('h-cases', t('sme.cases'), casesList()),
      section('h-scs', t('scs.title'), window.MamoriScs.section(scsCtx, me, true)),
      section('h-asm', t('asm.title'), window.MamoriAsm.section(asmCtx, me)),
      section('h-experts', t('exp.title'), window.MamoriExperts.section(scsCtx)));
  }

  // the ★ self-assessment (scs.js): the SME answers, its provider looks
  const scsCtx = { h, api, t, say };
  // the outside-in self-check (asm.js): both languages whatever the page's
  const asmCtx = { h, api, t, when, ja: (k, v) => T.t('ja', k, v), en: (k, v) => T.t('en', k, v),
    has: (k) => k in T.strings.ja };
  // One of the provider's SMEs at a time (filter `key`, select `id`).
  function smePicker(smes, key, id, make) {
    if (!smes.length) return h('p', { class: 'muted' }, t('not_available'));
    const f = state.filters;
    if (!smes.some((x) => x.id === f[key])) f[key] = smes[0].id;
    const box = h('div', {}, make(f[key]));
    return h('div', {}, h('p', {}, h('label', { for: id }, t('col.sme')), ' ',
      h('select', { id, onchange: (ev) => {
        f[key] = ev.target.value;
        box.replaceChildren(make(f[key]));
      } }, smes.map((x) => h('option', { value: x.id, selected: x.id === f[key] }, x.name || x.id)))), box);
  }
  const scsView = (smes) => smePicker(smes, 'scs', 'scs-sme', (id) => window.MamoriScs.section(scsCtx, id, false));
  const asmView = (smes) => smePicker(smes, 'asm', 'asm-sme', (id) => window.MamoriAsm.section(asmCtx, id));

  // ---- provider ------------------------------------------------------------

  function providerPage() {
    const f = state.filters || (state.filters = { tenant: '', severity: '', status: '' });
    const smes = state.tenants.filter((x) => x.role_relation === 'provider' || x.role_relation === 'admin');
    const pick = (id, label, key, options) => h('label', { for: id }, label, ' ',
      h('select', { id, onchange: (ev) => { f[key] = ev.target.value; render(); } },
        options.map(([v, l]) => h('option', { value: v, selected: f[key] === v }, l))));
    const filters = h('form', { class: 'filters', 'aria-label': t('prov.filters'), onsubmit: (e) => e.preventDefault() },
      pick('f-tenant', t('col.sme'), 'tenant', [['', t('all')], ...smes.map((x) => [x.id, x.name || x.id])]),
      pick('f-sev', t('col.severity'), 'severity', [['', t('all')],
        ...['low', 'medium', 'high', 'critical'].map((s) => [s, t('sev.min', { s: t(`sev.${s}`) })])]),
      pick('f-status', t('col.status'), 'status', [['', t('all')],
        ...['new', 'acknowledged', 'assigned', 'closed', 'false_positive'].map((s) => [s, t(`status.${s}`)])]));
    const detail = h('div', { id: 'alert-detail' });
    const cases = h('div', {}, casesList());
    const reloadCases = () => cases.replaceChildren(casesList());
    const queue = later(async () => {
      const q = new URLSearchParams({ limit: '200' });
      for (const k of ['tenant', 'severity', 'status']) if (f[k]) q.set(k, f[k]);
      const r = await api('GET', `/api/v1/alerts?${q}`);
      const alerts = r.alerts || [];
      if (!alerts.length) return h('p', {}, t('alert.none'));
      const th = (k) => h('th', { scope: 'col' }, t(k));
      return h('table', { id: 'queue' },
        h('caption', { class: 'muted' }, t('prov.caption', { n: alerts.length })),
        h('thead', {}, h('tr', {}, th('col.severity'), th('col.sme'), th('col.rule'), th('col.first'),
          th('col.last'), th('col.count'), th('col.status'), th('col.action'))),
        h('tbody', {}, alerts.map((a) => h('tr', { 'data-alert': a.id },
          h('td', {}, sev(a.severity)), h('td', {}, tenantName(a.tenant)), h('td', {}, ruleName(a)),
          h('td', {}, when(a.first_seen)), h('td', {}, when(a.last_seen)), h('td', {}, String(a.count)),
          h('td', {}, t(`status.${a.status}`), a.assignee ? ` (${a.assignee})` : ''),
          h('td', {}, h('button', { type: 'button', class: 'secondary',
            'aria-label': t('alert.open_label', { id: a.id }),
            onclick: () => alertPanel(a, detail, reloadCases) }, t('alert.open')))))));
    });
    // each SME's sensors, from its month summary (silent ones stand out)
    const sensors = later(async () => {
      const all = await Promise.all(smes.filter((x) => x.role_relation === 'provider').map((x) =>
        api('GET', `/api/v1/summary?tenant=${encodeURIComponent(x.id)}`)));
      return sensorsTable(all.flatMap(sensorRows));
    });
    return h('div', {},
      h('h1', {}, t('prov.title')),
      section('h-queue', t('prov.queue'), filters, queue, detail),
      section('h-cases', t('prov.cases'), cases),
      section('h-sensors', t('prov.sensors'), sensors),
      section('h-scs', t('scs.title_view'), scsView(smes.filter((x) => x.role_relation === 'provider'))),
      section('h-asm', t('asm.title_view'), asmView(smes.filter((x) => x.role_relation === 'provider'))));
  }

  function alertPanel(a, box, reloadCases) {
    const note = h('textarea', { id: 'triage-note', rows: 2, cols: 40, maxlength: 1000 });
    const act = (body) => triage(a, note.value ? { ...body, note: note.value } : body, () => render());
    box.replaceChildren(h('div', { class: 'card', role: 'region', 'aria-labelledby': 'detail-h' },
      h('h3', { id: 'detail-h', tabindex: '-1' }, sev(a.severity), ' ', ruleName(a), ` — ${tenantName(a.tenant)}`),
      h('p', { class: 'muted' }, t('alert.seen', { first: when(a.first_seen), last: when(a.last_seen), count: a.count }),
        a.source_ip ? ` · ${t('alert.from', { ip: a.source_ip })}` : ''),
      advice(a) && h('p', { class: 'advice' }, h('strong', {}, t('alert.todo')), ' ', advice(a)),
      h('p', {}, h('label', { for: 'triage-note' }, t('alert.note')), h('br', {}), note),
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => act({ status: 'acknowledged' }) }, t('alert.ack')),
        h('button', { type: 'button', onclick: () => act({ assignee: state.session.user }) }, t('alert.assign_me')),
        h('button', { type: 'button', onclick: () => act({ status: 'closed' }) }, t('alert.close')),
        h('button', { type: 'button', class: 'secondary', onclick: () => act({ status: 'false_positive' }) },
          t('alert.fp')),
        h('button', { type: 'button', onclick: async () => {
          try {
            const c = await api('POST', '/api/v1/cases', { alert_id: a.id });
            say(t('case.opened', { id: c.id }));
            reloadCases();
            const d = h('div', {});
            box.replaceChildren(d);
            await caseDetail(c.id, d, reloadCases);
          } catch (e) { say(t('error', { msg: e.message })); }
        } }, t('case.open')))));
    box.querySelector('#detail-h').focus();
  }

  // ---- warnings (the tenant's own inbox) ------------------------------------

  // GET /api/v1/inbox answers a console session with its own tenant's
  // warnings: newest first, at most 20 shown.
  function warningsList() {
    return later(async () => {
      const r = await api('GET', '/api/v1/inbox');
      const w = (r.warnings || []).slice(-20).reverse();
      if (!w.length) return h('p', {}, t('warn.none'));
      return h('ul', { id: 'warnings' }, w.map((x) => h('li', { class: 'card' }, sev(x.severity), ' ',
        h('span', { class: 'muted' }, `${when(x.created)} · ${t(`warn.${x.kind}`)}`),
        h('p', {}, (x.text && (state.lang === 'ja' ? x.text.ja : x.text.en)) || x.campaign))));
    });
  }

  // ---- buyer ---------------------------------------------------------------

  function buyerPage() {
    const sup = later(async () => {
      const r = await api('GET', '/api/v1/suppliers');
      const list = r.suppliers || [];
      if (!list.length) return h('p', {}, t('buyer.none'));
      const th = (k) => h('th', { scope: 'col' }, t(k));
      return h('table', { id: 'suppliers' },
        h('thead', {}, h('tr', {}, th('col.supplier'), th('col.required'), th('col.confirmed'),
          th('col.meets'))),
        h('tbody', {}, list.map((s) => h('tr', { class: s.meets === false ? 'short' : undefined },
          h('td', {}, s.name || s.supplier),
          h('td', {}, s.required || '—'),
          h('td', {}, s.confirmed || t('scs.nothing')),
          h('td', { class: s.meets === false ? 'bad' : s.meets ? 'good' : undefined },
            s.meets === false ? t('buyer.short') : s.meets ? t('buyer.meets') : '—',
            (state.lang === 'ja' ? s.status_ja : s.status_en) ? h('br', {}) : null,
            h('span', { class: 'muted' }, state.lang === 'ja' ? s.status_ja || '' : s.status_en || ''))))));
    });
    return h('div', {}, h('h1', {}, t('buyer.title')),
      section('h-sup', t('buyer.suppliers'), sup),
      section('h-warn', t('buyer.warnings'), warningsList()));
  }

  // ---- coordinator ---------------------------------------------------------

  function coordPage() {
    const camps = later(async () => {
      const r = await api('GET', '/api/v1/campaigns');
      const list = r.campaigns || [];
      if (!list.length) return h('p', {}, t('coord.none'));
      const th = (k) => h('th', { scope: 'col' }, t(k));
      const esc = list.filter((c) => c.escalated).length;
      const kids = [h('p', { class: 'panel lead' }, t('coord.count', { n: list.length, esc })),
        h('table', { id: 'campaigns' }, h('thead', {}, h('tr', {}, th('col.campaign'), th('col.key'), th('col.opened'),
        th('col.tenants'), th('col.score'), th('col.escalated'))),
      h('tbody', {}, list.map((c) => h('tr', {}, h('td', {}, c.id), h('td', {}, c.key || '—'), h('td', {}, when(c.opened)),
        h('td', {}, String(c.tenants)), h('td', {}, String(c.score)),
        h('td', {}, c.escalated ? t('yes') : t('no')))))),
      ];
      for (const c of list.slice(0, 3)) {
        // spread: companies hit so far, by the time each was first seen
        const pts = (c.hits || []).map((x) => new Date(x.first_seen).getTime()).sort((a, b) => a - b)
          .map((ms, i) => ({ t: ms, value: i + 1 }));
        if (pts.length) kids.push(h('h3', {}, t('plot.spread', { id: c.id })), P.steps(pts, t('plot.spread', { id: c.id }), when));
      }
      return h('div', {}, kids);
    });
    const graph = later(async () => {
      const g = await api('GET', '/api/v1/graph');
      const nodes = (g.nodes || []).map((n) => ({ id: n.id, label: n.name || n.id,
        cls: n.hit ? 'hit' : n.warned ? 'warned' : 'node' }));
      const edges = (g.links || g.edges || []).map((e) => ({ from: e.supplier || e.from, to: e.customer || e.to }));
      return h('div', {}, P.graph(nodes, edges, t('coord.graph')),
        h('p', { class: 'muted' }, t('coord.legend')));
    });
    // escalations: tenant ids in the reasons come as pseudonyms
    const escs = later(async () => {
      const list = (await api('GET', '/api/v1/escalations')).escalations || [];
      if (!list.length) return h('p', { id: 'escalations' }, t('coord.no_escalations'));
      const th = (k) => h('th', { scope: 'col' }, t(k));
      return h('table', { id: 'escalations' }, h('thead', {}, h('tr', {}, th('col.created'), th('col.campaign'),
        th('col.score'), th('col.reason'))),
      h('tbody', {}, list.map((e) => h('tr', {}, h('td', {}, when(e.created)), h('td', {}, e.campaign),
        h('td', {}, String(e.score)), h('td', { lang: 'en' }, e.reason)))));
    });
    return h('div', {}, h('h1', {}, t('coord.title')),
      section('h-camp', t('coord.campaigns'), camps),
      section('h-graph', t('coord.graph'), graph),
      section('h-esc', t('coord.escalations'), escs));
  }

  // ---- frame ---------------------------------------------------------------

  async function render() {
    document.documentElement.lang = state.lang;
    document.title = t('title');
    document.getElementById('lang').textContent = state.lang === 'ja' ? 'English' : '日本語';
    document.getElementById('lang').setAttribute('lang', state.lang === 'ja' ? 'en' : 'ja');
    document.querySelector('.skip').textContent = t('skip');
    const out = document.getElementById('logout');
    const who = document.getElementById('who');
    if (!state.session) {
      out.hidden = true;
      who.textContent = '';
      main.replaceChildren(loginPage());
      return;
    }
    out.hidden = false;
    out.textContent = t('logout');
    who.textContent = `${state.session.user} (${t(`role.${state.session.role}`)})`;
    try {
      state.tenants = (await api('GET', '/api/v1/tenants')).tenants || [];
    } catch (e) {
      if (!state.session) return;
      state.tenants = [];
    }
    const page = { sme: smePage, provider: providerPage, admin: providerPage, buyer: buyerPage,
      coordinator: coordPage }[state.session.role];
    main.replaceChildren(page ? page() : h('p', {}, t('role.unknown')));
  }

  document.getElementById('lang').addEventListener('click', () => {
    state.lang = state.lang === 'ja' ? 'en' : 'ja';
    localStorage.setItem('mamori.lang', state.lang);
    render();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    try { await api('DELETE', '/api/v1/session'); } catch (e) { /* already gone */ }
    sessionStorage.removeItem('mamori.in');
    state.session = null;
    render();
  });

  // A new tab asks for the session only when this tab logged in before:
  // a visitor who never did sees the login form without a failed request.
  (async function start() {
    if (sessionStorage.getItem('mamori.in')) {
      try { state.session = await api('GET', '/api/v1/session'); } catch (e) { state.session = null; }
    }
    render();
  })();
})();
