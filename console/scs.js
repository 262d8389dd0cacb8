// SPDX-License-Identifier: Apache-2.0
// scs.js — the ★ self-assessment section of the console (docs/console.md):
// the SME picks a rung (★1–★4) and answers one plain question at a time
// (はい / いいえ / わからない). The questions are the scs catalogue's own
// wording, served by the hub (GET /api/v1/scs/questions); every answer is
// saved on the hub at once (PUT /api/v1/scs/answers), so a later login
// resumes at the first unanswered question. At the end the hub's assessment
// (GET /api/v1/scs/assessment: the ladder, the next rung, gaps, and
// contradictions with the hub's evidence) and the answers file to download,
// the one `mamori scs assess` reads. Its provider sees it read-only.
'use strict';
(function () {
  const star = (n) => `★${n}`;
  const levelOf = (target) => parseInt(String(target || '').replace('★', ''), 10) || 1;

  // A ★3+★4 item asked at ★4 is answered per level: {"3":"yes","4":"no"}.
  function answerOf(doc, q) {
    const a = doc.answers[q.id];
    if (a === undefined || a === null) return undefined;
    if (typeof a === 'string') return a;
    return a[String(q.level)];
  }

  function setAnswer(doc, q, v) {
    if (!q.per_level) {
      doc.answers[q.id] = v;
      return;
    }
    let a = doc.answers[q.id];
    if (typeof a !== 'object' || a === null) {
      a = {};
      doc.answers[q.id] = a;
    }
    a[String(q.level)] = v;
  }

  // Both languages: Japanese first, English below.
  function both(h, ja, en, tag, attrs) {
    return h('div', attrs || {}, h(tag || 'p', { lang: 'ja' }, ja), h('p', { lang: 'en', class: 'muted' }, en));
  }

  function section(c, tenant, editable) {
    const { h, api, t } = c;
    const q = `tenant=${encodeURIComponent(tenant)}`;
    const box = h('div', { id: 'scs-self' }, h('p', { class: 'muted' }, t('loading')));
    // review: a question shown again (「前の質問」) instead of the first open one
    const st = { doc: null, questions: [], hint: null, review: null };

    const fail = (e) => box.replaceChildren(h('p', { class: 'muted' },
      e.status === 404 || e.status === 501 ? t('not_available') : t('error', { msg: e.message })));

    async function load() {
      st.doc = await api('GET', `/api/v1/scs/answers?${q}`);
      st.doc.answers = st.doc.answers || {};
      st.questions = (await api('GET', `/api/v1/scs/questions?level=${levelOf(st.doc.target)}`)).questions || [];
      show();
    }

    async function pickLevel(v) {
      st.doc.target = star(v);
      st.hint = null;
      try {
        await api('PUT', `/api/v1/scs/answers?${q}`, st.doc);
        await load();
      } catch (e) { fail(e); }
    }

    function levelPicker() {
      const cur = levelOf(st.doc.target);
      if (!editable) return h('p', {}, t('scs.target', { level: star(cur) }));
      return h('p', {}, h('label', { for: 'scs-level' }, t('scs.pick')), ' ',
        h('select', { id: 'scs-level', onchange: (ev) => pickLevel(ev.target.value) },
          [1, 2, 3, 4].map((n) => h('option', { value: String(n), selected: n === cur }, t(`scs.level${n}`)))));
    }

    async function answer(item, v) {
      const before = answerOf(st.doc, item);
      setAnswer(st.doc, item, v);
      try {
        await api('PUT', `/api/v1/scs/answers?${q}`, st.doc);
      } catch (e) {
        if (before === undefined) delete st.doc.answers[item.id];
        else setAnswer(st.doc, item, before);
        c.say(t('error', { msg: e.message }));
        return;
      }
      st.hint = v === 'unknown' ? item : null;
      // going over earlier answers walks on through them, then back to the
      // first open question
      if (st.review) {
        const after = st.questions[st.questions.indexOf(item) + 1];
        st.review = after && answerOf(st.doc, after) !== undefined ? after : null;
      }
      show();
      const f = document.getElementById(st.hint ? 'scs-hint-h' : 'scs-q-h');
      if (f) f.focus();
    }

    function questionCard(item, total) {
      const btn = (v, key, cls) => h('button', { type: 'button', class: cls, 'data-answer': v,
        onclick: () => answer(item, v) }, t(key));
      return h('div', { class: 'card', id: 'scs-q', role: 'group', 'aria-labelledby': 'scs-q-h',
        'data-n': String(item.n), 'data-id': item.id },
      h('h3', { id: 'scs-q-h', tabindex: '-1' }, t('scs.question_n', { n: item.n, total }),
        ` — ${star(item.level)} ${item.id}`),
      both(h, item.group_ja, item.group_en, 'p', { class: 'muted' }),
      both(h, item.question_ja, item.question_en, 'p', { class: 'lead' }),
      previous(item),
      h('div', { class: 'actions' }, btn('yes', 'scs.yes'), btn('no', 'scs.no'),
        btn('unknown', 'scs.dk', 'secondary')),
      h('div', { class: 'actions' }, back(st.questions[st.questions.indexOf(item) - 1], 'scs.back')));
    }

    // The saved answer of a question shown again.
    function previous(item) {
      const a = answerOf(st.doc, item);
      return a === undefined ? null : h('p', { class: 'muted' }, t('scs.your_answer',
        { a: t(a === 'yes' ? 'scs.yes' : a === 'no' ? 'scs.no' : 'scs.dk') }));
    }

    function back(item, key) {
      return item ? h('button', { type: 'button', class: 'secondary', id: 'scs-back',
        onclick: () => { st.hint = null; st.review = item; show(); } }, t(key)) : null;
    }

    function hintCard(item) {
      return h('div', { class: 'card', id: 'scs-hint', role: 'region', 'aria-labelledby': 'scs-hint-h' },
        h('h3', { id: 'scs-hint-h', tabindex: '-1' }, t('scs.dk_counted')),
        h('p', {}, t('scs.hint')),
        both(h, item.hint_ja, item.hint_en, 'p', { class: 'advice' }),
        h('div', { class: 'actions' }, h('button', { type: 'button', id: 'scs-next',
          onclick: () => { st.hint = null; show(); } }, t('scs.next_q'))));
    }

    function show() {
      const list = st.questions;
      const done = list.filter((x) => answerOf(st.doc, x) !== undefined).length;
      const next = list.find((x) => answerOf(st.doc, x) === undefined);
      const kids = [levelPicker(),
        h('p', { id: 'scs-progress' }, t('scs.progress', { done, total: list.length }))];
      const cur = editable ? st.review || next : null;
      if (st.hint) kids.push(hintCard(st.hint));
      else if (cur) kids.push(questionCard(cur, list.length));
      if (!st.hint && !cur && (!next || done > 0)) kids.push(result());
      if (!st.hint && !cur && editable && list.length) kids.push(h('p', {}, back(list[0], 'scs.review')));
      box.replaceChildren(...kids);
    }

    function result() {
      const out = h('div', { id: 'scs-result' }, h('p', { class: 'muted' }, t('loading')));
      api('GET', `/api/v1/scs/assessment?${q}`).then((a) => out.replaceChildren(...resultView(a)), (e) =>
        out.replaceChildren(h('p', { class: 'muted' }, t('error', { msg: e.message }))));
      return out;
    }

    function resultView(a) {
      const th = (k) => h('th', { scope: 'col' }, t(k));
      const achieved = a.achieved && a.achieved !== 'none' ? a.achieved : null;
      const kids = [h('h3', {}, t('scs.result')),
        h('p', { class: 'panel lead', id: 'scs-achieved', 'data-achieved': a.achieved },
          achieved ? t('scs.achieved', { level: achieved }) : t('scs.achieved_none'),
          a.next ? ` ${t('scs.next_rung', { level: a.next })}` : ` ${t('scs.top')}`),
        h('table', { id: 'scs-ladder' }, h('caption', { class: 'muted' }, t('scs.ladder')),
          h('thead', {}, h('tr', {}, th('scs.col.level'), th('scs.col.scheme'), th('scs.col.met'),
            th('scs.col.reached'))),
          h('tbody', {}, (a.ladder || []).map((r) => h('tr', { class: r.level === a.next ? 'selected' : null },
            h('td', {}, r.level), h('td', {}, r.scheme), h('td', {}, `${r.met} / ${r.total}`),
            h('td', {}, h('span', { class: r.reached ? 'good' : 'bad' }, t(r.reached ? 'scs.reached' : 'scs.not_reached')))))))];
      const contra = a.contradictions || [];
      if (contra.length) {
        kids.push(h('h3', {}, t('scs.contradictions', { n: contra.length })),
          h('ul', { id: 'scs-contra' }, contra.map((x) => {
            const f = (x.findings || []).find((y) => y.verdict === 'contradicts') || {};
            return h('li', { class: 'card' }, `${x.id} (${star(x.level)}): `,
              both(h, f.reason_ja || '', f.reason_en || '', 'span'));
          })));
      }
      const gaps = a.gaps || [];
      kids.push(h('h3', {}, t('scs.gaps', { n: gaps.length })));
      if (gaps.length) {
        kids.push(h('ul', { id: 'scs-gaps' }, gaps.map((g) => h('li', { class: 'card' },
          h('strong', {}, `${g.id} ${g.text_ja}`), h('p', { lang: 'en', class: 'muted' }, g.text_en),
          both(h, g.next_ja, g.next_en, 'p', { class: 'advice' })))));
      }
      kids.push(h('p', {}, h('a', { id: 'scs-download', href: `/api/v1/scs/answers?${q}`,
        download: 'answers.json' }, t('scs.download'))), h('p', { class: 'muted' }, t('scs.download_note')));
      return kids;
    }

    load().catch(fail);
    return box;
  }

  window.MamoriScs = { section };
})();
