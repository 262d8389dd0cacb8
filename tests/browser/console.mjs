// SPDX-License-Identifier: Apache-2.0
// tests/browser/console.mjs — drives Debian's Chromium (playwright-core,
// no downloaded browser) through the mamori console as each role and
// prints TAP. Run by tests/e2e/console.sh, which starts the hub and passes:
//   HUB_URL      the hub's console URL
//   ACCOUNTS     JSON [{role,user,password,tenant}, …]
//   EXPECT       JSON {sme_tenant, other_tenant, supplier_short}
//   ARTIFACTS    folder for screenshots
// Every page is checked for console errors and for serious or critical
// axe-core violations.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const url = process.env.HUB_URL;
const accounts = JSON.parse(process.env.ACCOUNTS);
const expect = JSON.parse(process.env.EXPECT || '{}');
const artifacts = process.env.ARTIFACTS;
mkdirSync(artifacts, { recursive: true });

let n = 0;
const ok = (cond, name, diag) => {
  n += 1;
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
  if (!cond && diag) console.log(`# ${String(diag).split('\n').join('\n# ')}`);
};
const account = (role) => accounts.find((a) => a.role === role);

// The console's strict CSP forbids inline scripts and eval, so axe-core is
// loaded as a DevTools expression (not subject to the page's CSP), and the
// CSP stays enforced for the console itself.
async function axe(page, name) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(async () => {
    const res = await window.axe.run(document, { resultTypes: ['violations'] });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length,
      target: v.nodes.slice(0, 3).map((x) => x.target.join(' ')) }));
  });
  const bad = r.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  ok(bad.length === 0, `${name}: axe-core finds no serious or critical violation`, JSON.stringify(bad));
}

async function session(browser, role) {
  const ctx = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const csp = [];
  page.on('response', (r) => {
    if (r.url() === `${url}/`) csp.push(r.headers()['content-security-policy']);
    if (r.status() >= 400) errors.push(`(${r.status()} ${r.request().method()} ${r.url()})`);
  });
  await page.goto(`${url}/`);
  await logIn(page, role);
  return { ctx, page, errors, csp };
}

async function logIn(page, role) {
  await page.getByLabel('ユーザー名').fill(account(role).user);
  await page.getByLabel('パスワード').fill(account(role).password);
  await page.getByRole('button', { name: 'ログイン' }).click();
  // logged in once the header names the account (Argon2id takes a moment)
  await page.locator('#who', { hasText: account(role).user }).waitFor({ timeout: 15000 });
  await page.waitForLoadState('networkidle');
}

// The question the self-assessment shows now (its number), once shown.
async function questionNo(p, n) {
  const q = p.locator(n ? `#scs-q[data-n="${n}"]` : '#scs-q');
  await q.waitFor({ timeout: 10000 });
  return q.getAttribute('data-n');
}

async function finish(s, role) {
  await s.page.waitForLoadState('networkidle');
  await axe(s.page, role);
  await s.page.screenshot({ path: `${artifacts}/${role}.png`, fullPage: true });
  ok(s.errors.length === 0, `${role}: no console errors`, s.errors.join('\n'));
  await s.ctx.close();
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'] });
try {
  // ---- SME: its own alerts only, acknowledges one
  {
    const s = await session(browser, 'sme');
    const p = s.page;
    ok(/script-src 'self'/.test(s.csp[0] || '') && /frame-ancestors 'none'/.test(s.csp[0] || ''),
      'the console is served with a strict Content-Security-Policy', s.csp[0]);
    ok(await p.getByRole('heading', { name: /安全のようす/ }).isVisible(), 'sme: Japanese page by default');
    const tenants = await p.evaluate(async () => (await (await fetch('/api/v1/alerts?limit=500')).json()).alerts
      .map((a) => a.tenant));
    ok(tenants.length > 0 && tenants.every((x) => x === expect.sme_tenant), 'sme: sees only its own alerts',
      JSON.stringify([...new Set(tenants)]));
    const text = await p.locator('main').innerText();
    ok(!text.includes(expect.other_name), 'sme: no other company is named on its page');
    ok(await p.locator('svg.plot').first().isVisible(), 'sme: alerts per day plotted in SVG');
    ok(/いますること/.test(text), 'sme: alerts show what to do now');
    ok(/攻撃者 1 件を遮断し、その通信を 7 回止めました/.test(text), 'sme: blocked, as the sensor counted it');
    const before = await p.getByRole('button', { name: '確認しました' }).count();
    await p.getByRole('button', { name: '確認しました' }).first().click();
    await p.getByText('保存しました').waitFor();
    await p.waitForLoadState('networkidle');
    await p.waitForFunction((b) => document.querySelectorAll('main button').length > 0 &&
      [...document.querySelectorAll('main button')].filter((x) => x.textContent === '確認しました').length === b - 1,
    before, { timeout: 5000 }).catch(() => {});
    const after = await p.getByRole('button', { name: '確認しました' }).count();
    ok(after === before - 1, 'sme: acknowledging an alert removes its button', `${before} -> ${after}`);
    const acked = await p.evaluate(async () => (await (await fetch('/api/v1/alerts?status=acknowledged')).json())
      .alerts.length);
    ok(acked === 1, 'sme: the hub records the acknowledgement', acked);
    const jaTime = await p.locator('article.card p.muted').first().innerText();
    ok(/\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}/.test(jaTime), 'sme: times shown (JST, Japanese format)', jaTime);
    await p.getByRole('button', { name: 'English' }).click();
    const en = await p.getByRole('heading', { name: /How .* is doing/ }).waitFor({ timeout: 5000 })
      .then(() => true, () => false);
    ok(en, 'sme: English by the switch');
    await p.waitForLoadState('networkidle');
    await p.getByRole('button', { name: '日本語' }).click();
    await p.getByRole('heading', { name: /安全のようす/ }).waitFor();
    await finish(s, 'sme');
  }
  // ---- SME: the ★ self-assessment, resumed after logging out and in
  {
    const s = await session(browser, 'sme');
    const p = s.page;
    const box = p.locator('#scs-self');
    await box.scrollIntoViewIfNeeded();
    ok(await p.getByRole('heading', { name: '★ 自己診断' }).isVisible(), 'sme-scs: the self-assessment section');
    ok(await questionNo(p) === '1', 'sme-scs: starts at question 1');
    const q1 = await p.locator('#scs-q p[lang=ja]').nth(1).innerText();
    const served = await p.evaluate(async () => (await (await fetch('/api/v1/scs/questions?level=1')).json())
      .questions[0].question_ja);
    ok(q1 === served, 'sme-scs: the question is the hub\'s catalogue wording', `${q1} | ${served}`);
    ok(await p.locator('#scs-q p[lang=en]').nth(1).isVisible(), 'sme-scs: English below the Japanese');
    await p.getByRole('button', { name: 'はい' }).click();
    await questionNo(p, 2);
    await p.getByRole('button', { name: 'いいえ' }).click();
    await questionNo(p, 3);
    await p.getByRole('button', { name: 'わからない' }).click();
    await p.locator('#scs-hint').waitFor();
    const hint = await p.locator('#scs-hint').innerText();
    ok(/まだできていない/.test(hint) && /ヒント/.test(hint), 'sme-scs: わからない shows the hint', hint);
    await p.getByRole('button', { name: '次の質問へ' }).click();
    await questionNo(p, 4);
    const saved = await p.evaluate(async () => Object.keys((await (await fetch('/api/v1/scs/answers')).json())
      .answers).length);
    ok(saved === 3, 'sme-scs: three answers saved on the hub', saved);
    await p.getByRole('button', { name: 'ログアウト' }).click();
    await p.getByRole('button', { name: 'ログイン', exact: true }).waitFor();
    await logIn(p, 'sme');
    ok(await questionNo(p) === '4', 'sme-scs: after logging in again it resumes at question 4',
      await p.locator('#scs-q').getAttribute('data-n').catch(() => 'none'));
    await p.locator('#scs-self').screenshot({ path: `${artifacts}/sme-scs-question.png` });
    // back to question 3 (answered わからない), change it to はい: on to question 4
    await p.getByRole('button', { name: '前の質問に戻る' }).click();
    await questionNo(p, 3);
    ok(/今の答え：わからない/.test(await p.locator('#scs-q').innerText()), 'sme-scs: going back shows the saved answer');
    await p.locator('#scs-q').getByRole('button', { name: 'はい' }).click();
    await questionNo(p, 4);
    const q3 = await p.evaluate(async () => Object.values((await (await fetch('/api/v1/scs/answers')).json())
      .answers)[2]);
    ok(q3 === 'yes', 'sme-scs: a changed answer is saved', q3);
    // answer the rest; then the result with the ladder and the next rung
    for (let i = 0; i < 100 && await p.locator('#scs-q').count(); i++) {
      const n = await p.locator('#scs-q').getAttribute('data-n');
      await p.locator('#scs-q').getByRole('button', { name: 'はい' }).click();
      await p.waitForFunction((m) => { const q = document.querySelector('#scs-q');
        return !q || q.dataset.n !== m; }, n);
    }
    await p.locator('#scs-achieved').waitFor({ timeout: 10000 });
    const achieved = await p.locator('#scs-achieved').getAttribute('data-achieved');
    const ladder = await p.locator('#scs-ladder tbody tr').evaluateAll((rows) => rows.map((r) =>
      [...r.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent).join(' ')));
    ok(ladder.length === 4 && /次にめざす段階は ★/.test(await p.locator('#scs-achieved').innerText()),
      'sme-scs: the result shows the ladder ★1–★4 and the next rung', JSON.stringify(ladder));
    const [dl] = await Promise.all([p.waitForEvent('download'), p.locator('#scs-download').click()]);
    await dl.saveAs(`${artifacts}/answers.json`);
    writeFileSync(`${artifacts}/scs-page.json`, JSON.stringify({ achieved, ladder }));
    ok(dl.suggestedFilename() === 'answers.json', 'sme-scs: the answers file downloads', dl.suggestedFilename());
    await p.locator('#scs-self').screenshot({ path: `${artifacts}/sme-scs-result.png` });
    await finish(s, 'sme-scs');
  }
  // ---- SME: the outside-in self-check made by console.sh
  {
    const s = await session(browser, 'sme');
    const p = s.page;
    ok(await p.getByRole('heading', { name: '外部からの自己診断' }).isVisible(), 'sme-asm: the self-check section');
    const card = p.locator(`#asm .asm-asset[data-asset="${expect.asm_asset}"]`);
    await card.waitFor({ timeout: 10000 });
    const kinds = (await card.locator('li[data-kind]').evaluateAll((l) => l.map((x) => x.dataset.kind))).sort();
    ok(['admin_page', 'kev', 'open_port'].every((k) => kinds.includes(k)),
      'sme-asm: the open port, the KEV banner and the admin page are shown', JSON.stringify(kinds));
    const kev = await card.locator('li[data-kind=kev]').first().innerText();
    ok(/今日中にメーカーの更新/.test(kev) && /install the maker/.test(kev) && kev.indexOf('今日中') < kev.indexOf('install'),
      'sme-asm: plain Japanese advice first, then English', kev);
    ok(/CVE-2021-41773/.test(kev), 'sme-asm: the finding names the CVE for whoever fixes it', kev);
    ok(await card.locator('[data-proof="well-known file"]').count() === 1, 'sme-asm: proven by the file on its server');
    ok(/最後に調べた日時：\d{4}\/\d{2}\/\d{2}/.test(await p.locator('#asm-last').innerText()),
      'sme-asm: the time of the last check');
    const unproven = await p.locator('#asm .asm-asset[data-asset="shop.sato.test"]').innerText();
    ok(/まだ持ち主であることが確認できていません/.test(unproven) && /_mamori\.shop\.sato\.test/.test(unproven) &&
      /mamori-verify=[0-9a-f]{32}/.test(unproven), 'sme-asm: an unproven asset says what to publish', unproven);
    await p.locator('#asm').screenshot({ path: `${artifacts}/sme-asm-section.png` });
    // 「専門家をさがす」: the directory, a filter, sending the saved assessment
    ok(await p.getByRole('heading', { name: '専門家をさがす' }).isVisible(), 'sme-experts: the find-an-expert section');
    await p.locator('#experts tbody tr').first().waitFor({ timeout: 10000 });
    ok(await p.locator('#experts tbody tr').count() === 2, 'sme-experts: both registered experts listed');
    await p.getByLabel('地域').fill('大阪');
    await Promise.all([p.waitForResponse((r) => r.url().includes('/api/v1/experts?region=')),
      p.getByRole('button', { name: 'さがす' }).click()]);
    await p.waitForFunction(() => document.querySelectorAll('#experts tbody tr').length === 1, null, { timeout: 5000 })
      .catch(() => {});
    const row = await p.locator('#experts tbody tr').allInnerTexts();
    ok(row.length === 1 && /012345/.test(row[0]) && /山田 太郎/.test(row[0]) && /大阪府/.test(row[0]) &&
      /★3確認/.test(row[0]) && /yamada@expert\.example\.jp/.test(row[0]),
    'sme-experts: the region filter leaves the expert in 大阪府 with number, name, themes and contact', JSON.stringify(row));
    await p.getByRole('button', { name: 'この専門家に診断結果を送る（山田 太郎）' }).click();
    await p.locator('#experts [data-sent]').waitFor({ timeout: 10000 });
    ok(/送りました（依頼番号 \d+）/.test(await p.locator('#experts tr[data-regno="012345"]').innerText()),
      'sme-experts: the assessment is sent to the chosen expert');
    await p.locator('#experts').screenshot({ path: `${artifacts}/sme-experts.png` });
    await finish(s, 'sme-asm');
  }
  // ---- provider: one queue over its SMEs, opens a case, ticks a step
  {
    const s = await session(browser, 'provider');
    const p = s.page;
    const rows = p.locator('#queue tbody tr');
    ok(await rows.count() > 0, 'provider: the triage queue lists alerts');
    const smes = await p.locator('#queue tbody tr td:nth-child(2)').allInnerTexts();
    ok(smes.length > 0 && smes.every((x) => x === expect.sme_name), 'provider: only its SMEs in the queue',
      JSON.stringify([...new Set(smes)]));
    await Promise.all([p.waitForResponse((r) => r.url().includes('severity=medium')),
      p.getByLabel('重大度').selectOption('medium')]);
    await p.waitForLoadState('networkidle');
    // the queue re-renders after the answer is parsed: wait for its rows
    await p.waitForFunction(() => document.querySelectorAll('#queue tbody tr').length > 0,
      null, { timeout: 5000 }).catch(() => {});
    const sev = await p.locator('#queue tbody tr td:nth-child(1)').allInnerTexts();
    ok(sev.length > 0 && sev.every((x) => x !== '低' && x !== '情報'), 'provider: the severity filter works',
      JSON.stringify(sev));
    await Promise.all([p.waitForResponse((r) => r.url().includes('/api/v1/alerts?limit=200')),
      p.getByLabel('重大度').selectOption('')]);
    await p.waitForLoadState('networkidle');
    await p.locator('#queue tbody tr').first().getByRole('button').click();
    await p.getByRole('button', { name: '事案を開く' }).click();
    await p.getByText(/事案 \d+ を開きました/).waitFor();
    const step = p.locator('#alert-detail ul.steps input[type=checkbox]').first();
    await step.waitFor();
    ok(!(await step.isChecked()), 'provider: the new case has an unticked first step');
    await step.check();
    await p.getByText('保存しました').waitFor();
    await p.waitForLoadState('networkidle');
    await p.locator('#alert-detail ul.steps input[type=checkbox]:checked').first().waitFor();
    const done = await p.evaluate(async () => {
      const c = (await (await fetch('/api/v1/cases')).json()).cases[0];
      const d = await (await fetch(`/api/v1/cases/${c.id}`)).json();
      return d.steps.filter((x) => x.done).map((x) => x.done_by);
    });
    ok(done.length === 1 && done[0] === account('provider').user, 'provider: the tick is stored with who ticked it',
      JSON.stringify(done));
    await p.locator('#scs-achieved').waitFor({ timeout: 10000 }).catch(() => {});
    ok(await p.locator('#scs-achieved').count() === 1 && await p.locator('#scs-q, #scs-level').count() === 0,
      'provider: sees its SME\'s self-assessment, read only');
    await p.locator('#asm .asm-asset').first().waitFor({ timeout: 10000 }).catch(() => {});
    ok(await p.locator('#asm li[data-kind=kev]').count() > 0, 'provider: sees its SME\'s outside-in self-check');
    await finish(s, 'provider');
  }
  // ---- buyer: its suppliers' ★ against the ★ it requires, shortfall shown
  {
    const s = await session(browser, 'buyer');
    const p = s.page;
    const rows = await p.locator('#suppliers tbody tr').allInnerTexts();
    ok(rows.length === 1 && rows[0].includes(expect.sme_name), 'buyer: sees its one supplier only',
      JSON.stringify(rows));
    const short = p.locator('#suppliers tbody tr.short');
    ok(await short.count() === 1 && /★3/.test(await short.innerText()) && /不足/.test(await short.innerText()),
      'buyer: the supplier\'s ★ shortfall is highlighted', rows[0]);
    await p.locator('#warnings li').first().waitFor({ timeout: 5000 }).catch(() => {});
    ok(await p.locator('#warnings li').count() > 0, 'buyer: the warnings it received are listed');
    const text = await p.locator('main').innerText();
    ok(!/SSHへ/.test(text) && !text.includes(expect.other_name), 'buyer: no supplier alerts and no other company');
    // asked outside the page (same cookies): the page itself never asks
    const denied = (await s.ctx.request.get(`${url}/api/v1/alerts?tenant=${expect.sme_tenant}`)).status();
    ok(denied === 403, 'buyer: a supplier\'s alerts are refused by the API', denied);
    ok(await p.locator('#asm').count() === 0, 'buyer: no self-check section');
    const asmDenied = (await s.ctx.request.get(`${url}/api/v1/asm?tenant=${expect.sme_tenant}`)).status();
    ok(asmDenied === 403, 'buyer: a supplier\'s self-check is refused by the API', asmDenied);
    await finish(s, 'buyer');
  }
  // ---- coordinator: campaigns and the graph, de-identified
  {
    const s = await session(browser, 'coordinator');
    const p = s.page;
    await p.locator('svg.graph').waitFor();
    ok(await p.locator('#campaigns tbody tr').count() > 0, 'coordinator: live campaigns listed');
    ok(await p.locator('svg.graph circle.hit').count() > 0, 'coordinator: the graph highlights hit companies');
    ok(await p.locator('svg.plot').count() >= 2, 'coordinator: campaign spread plotted in SVG');
    await p.locator('#escalations').waitFor();
    ok(await p.locator('#escalations tbody tr').count() > 0, 'coordinator: escalations listed');
    const escText = await p.locator('#escalations').innerText();
    ok(!/\b(centre|sato|kato)\b/.test(escText), 'coordinator: escalation reasons name no tenant', escText);
    const text = await p.locator('main').innerText();
    ok(!text.includes(expect.sme_name) && !text.includes(expect.other_name),
      'coordinator: companies appear only under pseudonyms');
    await finish(s, 'coordinator');
  }
} catch (e) {
  ok(false, 'browser run', e.stack);
} finally {
  await browser.close();
}
console.log(`1..${n}`);
