// SPDX-License-Identifier: Apache-2.0
// experts.js — 「専門家をさがす」 on the SME's page (docs/console.md): the
// directory of registered experts (登録セキスペ) the hub keeps, filtered by
// region, industry and theme as `mamori scs experts` filters
// (GET /api/v1/experts), and a button per expert that sends the company's
// saved ★ self-assessment to that expert through the hub
// (POST /api/v1/experts/{no}/request, CSRF).
'use strict';
(function () {
  const list = (s) => String(s || '').split(';').filter(Boolean).join('、') || '—';

  function section(c) {
    const { h, t } = c;
    const f = { region: '', industry: '', theme: '' };
    const out = h('div', { id: 'experts-list' }, h('p', { class: 'muted' }, t('loading')));

    async function send(e, cell) {
      try {
        const r = await c.api('POST', `/api/v1/experts/${encodeURIComponent(e.registration_no)}/request`, {});
        cell.replaceChildren(h('span', { class: 'good', 'data-sent': String(r.id) }, t('exp.sent', { id: r.id })));
        c.say(t('exp.sent', { id: r.id }));
      } catch (err) {
        const msg = err.status === 404 && /回答/.test(err.message) ? t('exp.no_answers') : err.message;
        cell.replaceChildren(cell.firstChild, h('p', { class: 'bad', role: 'alert' }, t('error', { msg })));
      }
    }

    function row(e) {
      const act = h('td', {});
      act.appendChild(h('button', { type: 'button', class: 'secondary', 'data-send': e.registration_no,
        'aria-label': t('exp.send_label', { name: e.name }), onclick: () => send(e, act) }, t('exp.send')));
      return h('tr', { 'data-regno': e.registration_no },
        h('td', {}, e.registration_no), h('td', {}, e.name), h('td', {}, e.region || '—'),
        h('td', {}, list(e.industries)), h('td', {}, list(e.themes)), h('td', {}, e.contact || '—'), act);
    }

    async function load() {
      const q = new URLSearchParams(Object.entries(f).filter(([, v]) => v)).toString();
      const r = await c.api('GET', `/api/v1/experts${q ? `?${q}` : ''}`);
      const es = r.entries || [];
      const th = (k) => h('th', { scope: 'col' }, t(k));
      out.replaceChildren(h('p', { id: 'experts-n' }, t('exp.found', { n: es.length })),
        es.length ? h('table', {}, h('caption', { class: 'muted' }, t('exp.caption')),
          h('thead', {}, h('tr', {}, th('exp.col.no'), th('exp.col.name'), th('exp.col.region'),
            th('exp.col.industries'), th('exp.col.themes'), th('exp.col.contact'), th('col.action'))),
          h('tbody', {}, es.map(row))) : h('p', {}, t('exp.none')),
        h('p', { class: 'muted' }, t('exp.note')));
    }

    const field = (key) => h('label', { for: `exp-${key}` }, t(`exp.${key}`), ' ',
      h('input', { id: `exp-${key}`, type: 'text', name: key, oninput: (ev) => { f[key] = ev.target.value.trim(); } }));
    const form = h('form', { class: 'filters', id: 'experts-form', onsubmit: (ev) => {
      ev.preventDefault();
      load().catch(fail);
    } }, field('region'), ' ', field('industry'), ' ', field('theme'), ' ',
    h('button', { type: 'submit' }, t('exp.search')));
    const fail = (e) => out.replaceChildren(h('p', { class: 'muted' },
      e.status === 404 || e.status === 501 ? t('not_available') : t('error', { msg: e.message })));
    load().catch(fail);
    return h('div', { id: 'experts' }, h('p', { class: 'muted' }, t('exp.intro')), form, out);
  }

  window.MamoriExperts = { section };
})();
