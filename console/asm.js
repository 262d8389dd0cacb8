// SPDX-License-Identifier: Apache-2.0
// asm.js — the outside-in self-check section of the console (docs/console.md):
// the company's listed domains and addresses with their proof of ownership
// (a DNS TXT record or a file on its web server; until then nothing is
// probed, and the section says what to publish), the time of the last check
// and each finding with plain advice, Japanese first, English below. All of
// it from GET /api/v1/asm (asm.c: DIR/asm-<tenant>.json); the SME's provider
// sees the same, read only.
'use strict';
(function () {
  const WELL_KNOWN = '/.well-known/mamori-verify.txt';

  // Japanese first, English below, whatever the page language.
  function both(h, ja, en, tag, attrs) {
    return h('div', attrs || {}, h(tag || 'p', { lang: 'ja' }, ja), h('p', { lang: 'en', class: 'muted' }, en));
  }

  const isAddress = (a) => /^[0-9.]+(:\d+)?$/.test(a);
  const hostOf = (a) => a.replace(/:\d+$/, '');

  // How the ownership was proven, or what to do before the first check.
  function proof(c, x) {
    const { h, t } = c;
    if (x.verified_at) {
      const key = x.method === 'dns txt' ? 'asm.proof.dns' : 'asm.proof.file';
      return h('p', { class: 'good', 'data-proof': x.method || 'file' }, t(key, { at: c.when(x.verified_at) }));
    }
    const want = `mamori-verify=${x.token || ''}`;
    const steps = [h('p', { class: 'bad', 'data-proof': 'none' }, t('asm.proof.none'))];
    if (!isAddress(x.asset)) {
      steps.push(both(h, c.ja('asm.todo.dns', { name: `_mamori.${hostOf(x.asset)}`, want }),
        c.en('asm.todo.dns', { name: `_mamori.${hostOf(x.asset)}`, want }), 'p', { class: 'advice' }));
    }
    steps.push(both(h, c.ja('asm.todo.file', { url: `http(s)://${x.asset}${WELL_KNOWN}`, want }),
      c.en('asm.todo.file', { url: `http(s)://${x.asset}${WELL_KNOWN}`, want }), 'p', { class: 'advice' }),
    both(h, c.ja('asm.todo.then'), c.en('asm.todo.then'), 'p', { class: 'muted' }));
    return h('div', {}, steps);
  }

  // One finding: what was found and what to do (the console's plain words
  // per kind; the hub's own words for a kind it does not know), then the
  // technical detail for whoever fixes it.
  function finding(c, f) {
    const { h, t } = c;
    const known = c.has(`asm.kind.${f.kind}`);
    const ja = known ? `${c.ja(`asm.kind.${f.kind}`)}　${c.ja(`asm.do.${f.kind}`)}` : f.ja;
    const en = known ? `${c.en(`asm.kind.${f.kind}`)}. ${c.en(`asm.do.${f.kind}`)}` : f.en;
    return h('li', { class: 'card', 'data-kind': f.kind },
      both(h, ja, en, 'p', { class: 'advice' }),
      f.detail ? h('p', { class: 'muted' }, t('asm.detail'), ' ', h('code', {}, f.detail)) : null);
  }

  function assetCard(c, x, checked) {
    const { h, t } = c;
    const kids = [h('h3', {}, x.asset), proof(c, x)];
    if (checked && checked.refused) kids.push(h('p', { class: 'muted' }, t('asm.refused')));
    else if (checked) {
      const fs = checked.findings || [];
      kids.push(fs.length ? h('ul', { class: 'asm-findings' }, fs.map((f) => finding(c, f)))
        : h('p', { class: 'good' }, t('asm.clean')));
    }
    return h('div', { class: 'card asm-asset', 'data-asset': x.asset }, kids);
  }

  function view(c, r) {
    const { h, t } = c;
    const last = r.last_check;
    const byAsset = {};
    for (const a of (last && last.assets) || []) byAsset[a.asset] = a;
    const kids = [h('p', { class: 'muted' }, t('asm.intro'))];
    if (!(r.assets || []).length) {
      kids.push(h('p', { id: 'asm-none' }, t('asm.no_assets')));
      return kids;
    }
    kids.push(h('p', { id: 'asm-last', class: 'panel lead' },
      last ? t('asm.last', { at: c.when(last.checked_at) }) : t('asm.never')));
    const n = ((last && last.assets) || []).reduce((s, a) => s + (a.findings || []).length, 0);
    if (last) kids.push(h('p', {}, t(n ? 'asm.found_n' : 'asm.found_none', { n })));
    for (const x of r.assets) kids.push(assetCard(c, x, last ? byAsset[x.asset] : null));
    return kids;
  }

  function section(c, tenant) {
    const { h, t } = c;
    const box = h('div', { id: 'asm' }, h('p', { class: 'muted' }, t('loading')));
    c.api('GET', `/api/v1/asm?tenant=${encodeURIComponent(tenant)}`).then(
      (r) => box.replaceChildren(...view(c, r)),
      (e) => box.replaceChildren(h('p', { class: 'muted' },
        e.status === 404 || e.status === 501 ? t('not_available') : t('error', { msg: e.message }))));
    return box;
  }

  window.MamoriAsm = { section };
})();
