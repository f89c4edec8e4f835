// The visit calendar: create a phone visit, move it, see a conflict when someone else moved
// it first (and save again), cancel a fixed visit with a confirmation, and see the
// management meeting among the visits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, login, go, checkA11y, shot, mainText, makeWorld } from './helpers.mjs';

process.env.TZ = 'Europe/Copenhagen'; // local times here are the browser's (Copenhagen)
let browser; let w;
before(async () => { browser = await launch(); w = await makeWorld('cal'); });
after(async () => { await browser?.close(); });

function inDays(n, hour) {
  const d = new Date(Date.now() + n * 86400000);
  const p = (x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(hour)}:00`;
}
const dk = (local) => { const [y, m, d] = local.slice(0, 10).split('-'); return `${d}.${m}.${y}`; };
// what a Danish user types into a date-and-time field: dd.mm.åååå tt.mm
const typed = (local) => `${dk(local)} ${local.slice(11, 13)}.${local.slice(14, 16)}`;

test('create, move, conflict, cancel; meetings shown in the calendar', async () => {
  const page = await newPage(browser);
  await login(page, w.clinician.email);
  await go(page, '/calendar');
  let text = await mainText(page);
  assert.match(text, /Fast tilstedeværelse/);
  assert.match(text, /Ledelsessamarbejdsmøde/, 'the management meeting of the agreement is in the calendar');
  // a phone visit
  await page.getByText('Nyt ekstra-, hjemme-, telefon- eller videobesøg').click();
  await page.getByLabel('Type').selectOption('phone');
  await page.getByLabel(/^Start/).fill(typed(inDays(3, 14)));
  await page.getByLabel(/^Slut/).fill(typed(inDays(3, 15)));
  await page.getByLabel(/^Note \(ingen beboeroplysninger/).fill('Opfølgning pr. telefon');
  await checkA11y(page, 'calendar with the new visit form');
  await page.getByRole('button', { name: 'Opret besøg' }).click();
  await page.getByText(/Telefon er oprettet/).waitFor();
  let row = page.locator('tbody tr', { hasText: 'Opfølgning pr. telefon' });
  assert.match(await row.innerText(), new RegExp(`${dk(inDays(3, 14)).replace(/\./g, '\\.')}[\\s\\S]*14\\.00–15\\.00[\\s\\S]*Telefon[\\s\\S]*Planlagt`));
  // move it two days later
  await row.locator('summary').click();
  await row.getByLabel(/^Ny start/).fill(typed(inDays(5, 9)));
  await row.getByLabel(/^Ny slut/).fill(typed(inDays(5, 10)));
  await checkA11y(page, 'calendar with a visit being moved');
  await shot(page, 'calendar-move');
  await row.getByRole('button', { name: 'Flyt besøget' }).click();
  await page.getByText('Besøget er flyttet.').waitFor();
  row = page.locator('tbody tr', { hasText: 'Opfølgning pr. telefon' });
  assert.match(await row.innerText(), /09\.00–10\.00/);
  assert.match(await row.innerText(), new RegExp(dk(inDays(5, 9)).replace(/\./g, '\\.')));

  // someone else moves it to 11-12 while this page is open: the next save shows what changed
  const visits = await w.api.c.get(`/api/visits?from=${inDays(0, 0).slice(0, 10)}&limit=200`);
  const v = visits.items.find((x) => x.note === 'Opfølgning pr. telefon');
  await w.api.fm.call('PATCH', `/api/visits/${v.id}`, { starts_at: new Date(inDays(5, 11)).toISOString(), ends_at: new Date(inDays(5, 12)).toISOString() }, { 'If-Match': `"${v.version}"` });
  await row.locator('summary').click();
  await row.getByLabel(/^Ny start/).fill(typed(inDays(6, 13)));
  await row.getByLabel(/^Ny slut/).fill(typed(inDays(6, 14)));
  await row.getByRole('button', { name: 'Flyt besøget' }).click();
  const alert = row.locator('.form-alert');
  await alert.getByText(/En anden har gemt en ændring/).waitFor();
  assert.match(await alert.innerText(), /Besøget er nu: .*11\.00–12\.00 · Planlagt/);
  assert.equal(await row.getByLabel(/^Ny start/).inputValue(), typed(inDays(6, 13)), 'what was typed is kept');
  await checkA11y(page, 'calendar with a conflict');
  await row.getByRole('button', { name: 'Flyt besøget' }).click();
  await page.getByText('Besøget er flyttet.').waitFor();
  assert.match(await page.locator('tbody tr', { hasText: 'Opfølgning pr. telefon' }).innerText(), /13\.00–14\.00/);

  // cancel the first fixed visit, after a confirmation
  const fixed = page.locator('tbody tr', { hasText: 'Fast tilstedeværelse' }).first();
  const when = (await fixed.locator('th').innerText()).trim();
  await fixed.locator('summary').click();
  await fixed.getByRole('button', { name: 'Aflys besøget' }).click();
  const dlg = page.getByRole('dialog', { name: 'Aflys besøget?' });
  await dlg.waitFor();
  await dlg.getByRole('button', { name: 'Aflys besøget' }).click();
  await page.getByText(/Besøget er aflyst/).waitFor();
  text = await mainText(page);
  assert.match(text, new RegExp(`${when}[^\\n]*\\t[^\\n]*Fast tilstedeværelse\\tAflyst`));
  await checkA11y(page, 'calendar after cancelling');
  await shot(page, 'calendar');

  // four weeks at a time, a table per week: the next four weeks hold later fixed visits only
  const weeksNow = await page.locator('main h2.week').allInnerTexts();
  assert.ok(weeksNow.length >= 4 && weeksNow.length <= 5, `four weeks shown: ${weeksNow}`);
  await page.getByRole('link', { name: /Næste 4 uger/ }).click();
  await page.waitForFunction(() => location.hash.includes('from='));
  await page.locator('main h2.week').first().waitFor();
  text = await mainText(page);
  assert.match(text, /Fast tilstedeværelse/);
  assert.doesNotMatch(text, /Opfølgning pr\. telefon/);
  const weeksNext = await page.locator('main h2.week').allInnerTexts();
  assert.equal(weeksNext.length, 4);
  assert.ok(!weeksNext.some((x) => weeksNow.includes(x)), 'no week shown twice');
  await page.getByRole('link', { name: 'Fra i dag' }).click();
  await page.locator('tbody tr', { hasText: 'Opfølgning pr. telefon' }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a visit that took place is marked held from the calendar', async () => {
  const start = new Date(Date.now() - 5 * 60000); // began a moment ago: today, whatever the hour
  const v = await w.api.c.post('/api/visits', { kind: 'home', facility_id: w.facility.id, starts_at: start.toISOString(), ends_at: new Date(start.getTime() + 1800000).toISOString(), note: 'Hjemmebesøg i morges' });
  const page = await newPage(browser);
  await login(page, w.staff.email);
  await go(page, '/calendar');
  const row = page.locator('tbody tr', { hasText: 'Hjemmebesøg i morges' });
  await row.locator('summary', { hasText: 'Holdt, flyt eller aflys' }).click();
  await checkA11y(page, 'calendar: mark a visit held');
  await row.getByRole('button', { name: 'Marker som holdt' }).click();
  await page.getByText(/Besøget er markeret som holdt/).waitFor();
  assert.match(await page.locator('tbody tr', { hasText: 'Hjemmebesøg i morges' }).innerText(), /Holdt/);
  const now = await w.api.c.get(`/api/visits/${v.id}`);
  assert.equal(now.status, 'held');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
