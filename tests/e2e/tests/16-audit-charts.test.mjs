// Charts that read from 3 to 60 months (month labels never overlap, the share axis reads
// "100 %" inside the chart), and the audit log a manager can use: filters by person, period
// and action, paging, list reads grouped, report runs, the menu, and the resident's right of
// access (GDPR art. 15) as a printable document in Danish and English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, login, go, settle, checkA11y, shot, makeWorld } from './helpers.mjs';

let browser; let w;
before(async () => { browser = await launch(); w = await makeWorld('aud'); });
after(async () => { await browser?.close(); });

/** Today in Copenhagen as [y, m, d] (formatToParts: never a formatted string). */
function today() {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Copenhagen', year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(new Date()).map((x) => [x.type, x.value]));
  return [Number(p.year), Number(p.month), Number(p.day)];
}
const iso = (y, m, d) => new Date(Date.UTC(y, m - 1, d, 12)).toISOString().slice(0, 10);
/** The period of the last n months: the first of the month n - 1 months back to today. */
function lastMonths(n) {
  const [y, m, d] = today();
  return { from: iso(y, m - (n - 1), 1), to: iso(y, m, d) };
}

/** The boxes of a chart's labels (class), in page pixels, with the chart's own box. */
async function labelBoxes(page, chartIndex, cls) {
  return page.locator('svg.chart').nth(chartIndex).evaluate((svg, c) => {
    const r = (b) => ({ left: b.left, right: b.right, top: b.top, bottom: b.bottom });
    return { svg: r(svg.getBoundingClientRect()), labels: [...svg.querySelectorAll(`text.${c}`)].map((t) => ({ text: t.textContent, ...r(t.getBoundingClientRect()) })) };
  }, cls);
}

function assertApart(boxes, what) {
  for (let i = 1; i < boxes.length; i++) {
    const a = boxes[i - 1]; const b = boxes[i];
    const apart = a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
    assert.ok(apart, `${what}: "${a.text}" (${a.left.toFixed(1)}–${a.right.toFixed(1)}) overlaps "${b.text}" (${b.left.toFixed(1)}–${b.right.toFixed(1)})`);
  }
}
function assertInside(boxes, svg, what) {
  for (const b of boxes) {
    assert.ok(b.left >= svg.left - 0.5 && b.right <= svg.right + 0.5 && b.top >= svg.top - 0.5 && b.bottom <= svg.bottom + 0.5,
      `${what}: "${b.text}" sticks out of the chart (${b.left.toFixed(1)}–${b.right.toFixed(1)} in ${svg.left.toFixed(1)}–${svg.right.toFixed(1)})`);
  }
}

test('charts read well from 3 to 60 months: labels apart and inside, every month in the table', async () => {
  const page = await newPage(browser);
  await login(page, 'manager@slagelse.demo');
  for (const [n, width, minLabels] of [[3, 1180, 3], [12, 1180, 12], [12, 820, 6], [24, 1180, 8], [60, 1180, 5], [60, 820, 5]]) {
    await page.setViewportSize({ width, height: 900 });
    const p = lastMonths(n);
    await go(page, `/reports/admissions?from=${p.from}&to=${p.to}`);
    const what = `admissions, ${n} months at ${width} px`;
    const months = await labelBoxes(page, 0, 'x-label:not(.x-year)');
    const years = await labelBoxes(page, 0, 'x-year');
    assert.ok(months.labels.length >= minLabels, `${what}: only ${months.labels.length} month labels`);
    assert.ok(months.labels.length <= n, `${what}: more labels than months`);
    assert.ok(years.labels.length >= 1, `${what}: no year on the axis`);
    assertApart(months.labels, what);
    assertApart(years.labels, `${what} (years)`);
    assertInside([...months.labels, ...years.labels], months.svg, what);
    const yl = await labelBoxes(page, 0, 'y-label');
    assertInside(yl.labels, yl.svg, `${what} (value axis)`);
    assertApart([...yl.labels].sort((a, b) => a.top - b.top), `${what} (value axis)`);
    // the weekday chart too
    const days = await labelBoxes(page, 1, 'x-label');
    assert.equal(days.labels.length, 7, `${what}: weekday labels`);
    assertApart(days.labels, `${what} (weekdays)`);
    // the data table under the chart keeps every month
    const rows = await page.locator('table', { has: page.locator('caption', { hasText: 'Indlæggelser pr. måned (tabel)' }) }).locator('tbody tr').count();
    assert.equal(rows, n, `${what}: table rows`);
    if (n === 60 && width === 1180) await shot(page, 'chart-admissions-60-months');
  }
  await page.setViewportSize({ width: 1180, height: 900 });
  // attendance: a share axis from 0 to 100 %, its top label whole and inside the chart
  for (const n of [3, 12, 60]) {
    const p = lastMonths(n);
    await go(page, `/reports/attendance?from=${p.from}&to=${p.to}`);
    const yl = await labelBoxes(page, 0, 'y-label');
    const texts = yl.labels.map((x) => x.text.replace(/\s/g, ' '));
    assert.equal(texts[texts.length - 1], '100 %', `attendance, ${n} months: top of the axis reads ${texts[texts.length - 1]}`);
    assert.equal(texts[0], '0 %');
    assertInside(yl.labels, yl.svg, `attendance, ${n} months (value axis)`);
    const months = await labelBoxes(page, 0, 'x-label');
    assertApart(months.labels.filter((x) => !/^\d{4}$/.test(x.text)), `attendance, ${n} months`);
    assertInside(months.labels, months.svg, `attendance, ${n} months`);
    assert.equal(await page.locator('table', { has: page.locator('caption', { hasText: 'Fremmøde pr. måned (tabel)' }) }).locator('tbody tr').count(), n);
  }
  await checkA11y(page, 'attendance chart');
  await shot(page, 'chart-attendance-60-months');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

/** The rows of the audit trail table: cells as text, and the times (datetime) of each row. */
async function trailRows(page) {
  return page.locator('table.audit-trail tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    cells: [...tr.cells].map((c) => c.innerText.trim()),
    times: [...tr.querySelectorAll('time')].map((t) => t.getAttribute('datetime')),
  })));
}
const COL = { time: 0, role: 1, who: 2, org: 3, action: 4, what: 5, outcome: 6 };

test('audit log: menu, overview, filters by person, period and action, paging, report runs', async () => {
  const res = w.risky;
  const purpose = 'Forberedelse af samtale';
  // 55 reads by the clinician (more than a page), then three list views by the contact person,
  // then a report run by the section manager
  for (let i = 0; i < 55; i++) await w.api.c.call('GET', `/api/residents/${res.id}`, undefined, { 'X-Access-Purpose': purpose });
  const staff = await (await import('./helpers.mjs')).apiLogin(w.staff.email);
  for (let i = 0; i < 3; i++) await staff.get('/api/residents?limit=50');
  await w.api.rm.get('/api/reports/admissions');

  const page = await newPage(browser);
  await login(page, w.rmanager.email);
  // the resident page's old address still leads here; the menu marks the audit log
  await go(page, `/residents/${res.id}/audit`);
  await page.waitForFunction(() => location.hash.startsWith('#/audit/'));
  await settle(page);
  assert.equal(await page.locator('main h1').innerText(), `Hvem har set ${res.name}?`);
  assert.equal(await page.locator('nav a[aria-current="page"]').innerText(), 'Adgangslog');
  assert.equal(await page.locator('nav a', { hasText: 'Beboere' }).getAttribute('aria-current'), null);

  // the overview: who opened the record, who only saw the name, who ran a report
  const overview = page.locator('section', { has: page.locator('h2', { hasText: 'Overblik' }) });
  const opened = await overview.locator('table', { has: page.locator('caption', { hasText: 'Åbnede beboerens oplysninger' }) }).innerText();
  assert.match(opened, /Karen Klinik/);
  assert.doesNotMatch(opened, /Sara Kontakt/);
  const listed = await overview.locator('table', { has: page.locator('caption', { hasText: 'Så kun navnet på en liste' }) }).innerText();
  assert.match(listed, /Sara Kontakt/);
  assert.doesNotMatch(listed, /Karen Klinik/);
  assert.match(await overview.locator('table', { has: page.locator('caption', { hasText: 'Kørte rapporter' }) }).innerText(), /Rasmus Regionsleder/);
  await checkA11y(page, 'audit log');
  await shot(page, 'manager-audit-log');

  // page 1: at most 50 events, the three list views on one row, the report run, the reads
  let rows = await trailRows(page);
  assert.ok(rows.length > 0 && rows.length <= 50);
  const sara = rows.filter((r) => r.cells[COL.who] === 'Sara Kontakt');
  assert.equal(sara.length, 1, 'the contact person\'s list views are one row');
  assert.equal(sara[0].cells[COL.action], 'så på listen (3 gange)');
  assert.equal(sara[0].times.length, 2);
  assert.ok(rows.some((r) => r.cells[COL.who] === 'Rasmus Regionsleder' && r.cells[COL.action] === 'kørte rapport' && r.cells[COL.what] === 'rapport'));
  assert.ok(rows.some((r) => r.cells[COL.who] === 'Karen Klinik' && r.cells[COL.action] === 'læste' && r.cells[COL.what] === 'beboeren'));

  // paging: the next page continues where the first ended
  const lastOfFirst = rows[rows.length - 1].times.at(-1);
  await page.getByRole('link', { name: 'Næste side' }).click();
  await page.locator('main h2', { hasText: 'Hændelser – side 2' }).waitFor();
  await settle(page);
  const page2 = await trailRows(page);
  assert.ok(page2.length > 0, 'page 2 is empty');
  assert.ok(page2[0].times[0] <= lastOfFirst, `page 2 starts at ${page2[0].times[0]}, after the first page's last ${lastOfFirst}`);
  assert.ok(page2.every((r) => r.cells[COL.who] === 'Karen Klinik' || r.cells[COL.who] === 'Sara Kontakt' || r.cells[COL.who] === 'Rasmus Regionsleder'));
  await page.getByRole('link', { name: 'Første side' }).click();
  await page.locator('main h2', { hasText: /^Hændelser$/ }).waitFor();

  // by person: only the contact person
  await settle(page);
  await page.locator('#audit-user').selectOption({ label: `Sara Kontakt (${w.facility.name})` });
  await page.getByRole('button', { name: 'Filtrér' }).click();
  await page.waitForFunction(() => location.hash.includes('user='));
  await settle(page);
  rows = await trailRows(page);
  assert.ok(rows.length >= 1);
  assert.ok(rows.every((r) => r.cells[COL.who] === 'Sara Kontakt'), 'person filter shows others');
  assert.equal(await page.locator('#audit-user').inputValue(), w.staff.id);

  // by action: opened or changed only (everyone again)
  await page.locator('#audit-user').selectOption('');
  await page.locator('#audit-action').selectOption({ label: 'Åbnede eller ændrede oplysningerne' });
  await page.getByRole('button', { name: 'Filtrér' }).click();
  await page.waitForFunction(() => location.hash.includes('action='));
  await settle(page);
  rows = await trailRows(page);
  assert.ok(rows.length >= 1);
  assert.ok(rows.every((r) => ['læste', 'oprettede', 'ændrede', 'slettede'].includes(r.cells[COL.action])), `action filter: ${rows.map((r) => r.cells[COL.action]).join(', ')}`);
  assert.ok(!rows.some((r) => r.cells[COL.who] === 'Sara Kontakt'));
  // list views only
  await page.locator('#audit-action').selectOption({ label: 'Så kun navnet på en liste' });
  await page.getByRole('button', { name: 'Filtrér' }).click();
  await page.waitForFunction(() => location.hash.includes('action=search'));
  await settle(page);
  rows = await trailRows(page);
  assert.ok(rows.length >= 1 && rows.every((r) => r.cells[COL.action].startsWith('så på listen')));

  // by period: from tomorrow there is nothing
  const [y, m, d] = today();
  await page.locator('#audit-action').selectOption('');
  // the visible date fields, whatever kind they are (ISO is typed into both a date input and
  // a Danish text field)
  const filters = page.locator('form.audit-filters');
  await filters.getByLabel('Fra', { exact: true }).fill(iso(y, m, d + 1));
  await filters.getByLabel('Til', { exact: true }).fill(iso(y, m, d + 2));
  await page.getByRole('button', { name: 'Filtrér' }).click();
  await page.waitForFunction(() => location.hash.includes('from='));
  await settle(page);
  assert.equal(await page.locator('table.audit-trail').count(), 0);
  assert.match(await page.locator('main').innerText(), /Ingen registrerede opslag med disse filtre\./);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('right of access (art. 15): who looked, from where, in which role, when and why; Danish and English, printable', async () => {
  const res = w.sharing;
  const purpose = 'Forberedelse af netvaerksmoede';
  const t0 = Date.now() - 1000;
  await w.api.c.call('GET', `/api/residents/${res.id}`, undefined, { 'X-Access-Purpose': purpose });
  const t1 = Date.now() + 1000;
  const { apiLogin } = await import('./helpers.mjs');
  await (await apiLogin(w.staff.email)).get('/api/residents?limit=50');

  const page = await newPage(browser);
  await login(page, w.fmanager.email); // the facility's manager may produce it too
  await go(page, `/audit/${res.id}`);
  assert.equal(await page.locator('nav a[aria-current="page"]').innerText(), 'Adgangslog');
  await page.getByRole('link', { name: /Indsigt for beboeren/ }).click();
  await page.locator('main h1', { hasText: 'Hvem har set dine oplysninger?' }).waitFor();
  await settle(page);
  const doc = page.locator('article.access-doc');
  assert.match(await doc.innerText(), new RegExp(`Til: ${res.name}`));
  assert.match(await doc.innerText(), /databeskyttelsesforordningens artikel 15/);
  const role = await page.evaluate(async () => (await import('/js/i18n.js')).ROLE_NAMES.region_clinician);
  const access = await doc.locator('table.access-opened tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    cells: [...tr.cells].map((c) => c.innerText.trim()), times: [...tr.querySelectorAll('time')].map((t) => t.getAttribute('datetime')),
  })));
  const read = access.find((r) => r.cells[0] === 'Karen Klinik' && r.cells[5] === purpose);
  assert.ok(read, `the read with its purpose is not in the document: ${JSON.stringify(access)}`);
  assert.equal(read.cells[1], w.team.name);
  assert.equal(read.cells[2], role[0]);
  assert.equal(read.cells[3], 'så dine oplysninger (din side i Samspil)');
  const at = Date.parse(read.times.at(-1));
  assert.ok(at >= t0 && at <= t1, `time of the read ${read.times.at(-1)} not between ${new Date(t0).toISOString()} and ${new Date(t1).toISOString()}`);
  // the contact person only saw the name in a list: that part of the document
  const listed = await doc.locator('table.access-list').innerText();
  assert.match(listed, /Sara Kontakt/);
  assert.match(listed, new RegExp(w.facility.name));
  assert.doesNotMatch(await doc.locator('table.access-opened').innerText(), /Sara Kontakt/);
  await checkA11y(page, 'right of access');
  await shot(page, 'manager-right-of-access');
  // printed: the document without the app and the form
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('header.top').isVisible(), false);
  assert.equal(await page.locator('main form').first().isVisible(), false);
  assert.equal(await doc.isVisible(), true);
  await page.pdf({ path: new URL('../output/right-of-access.pdf', import.meta.url).pathname, format: 'A4' });
  await page.emulateMedia({ media: 'screen' });
  // in English, the interface staying Danish
  await page.locator('main select[name=lang]').selectOption('en');
  await page.getByRole('button', { name: 'Vis' }).click();
  await page.locator('main h1', { hasText: 'Who has looked at your information?' }).waitFor();
  await settle(page);
  const en = await page.locator('article.access-doc table.access-opened').innerText();
  assert.match(en, new RegExp(`Karen Klinik\\t${w.team.name}\\t${role[1].replace(/[()]/g, '\\$&')}\\tlooked at your information`));
  assert.match(en, new RegExp(purpose));
  assert.equal(await page.locator('article.access-doc').getAttribute('lang'), 'en');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
