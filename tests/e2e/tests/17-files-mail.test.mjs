// Files and mail as the user gets them (issue 10, items 14-16 and 18): the CSV saved from the
// browser keeps its byte-order mark and has Danish (or English) column names; the reports
// download as .xlsx that a real reader (openpyxl) opens; the Monday mail's link in the
// notification (and the one older notifications carry) opens that mail for a team member after log-in; the KIP status shows on the
// resident, in the caseload and on the board.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { launch, newPage, login, go, settle, checkA11y, shot, mainText, makeWorld, apiLogin, isoWeek, BASE } from './helpers.mjs';

let browser; let w;
const week = isoWeek();
before(async () => {
  browser = await launch();
  w = await makeWorld('files');
  // a sent Monday mail for the team to open from its notification
  const s = await apiLogin(w.staff.email);
  await s.call('PUT', `/api/residents/${w.sharing.id}/monday-entries/${week}`, { needs_talk: true, priority: 'high', status_text: 'Sover dårligt, ønsker samtale om medicinen.' });
  await s.post('/api/monday-mail/send', { facility: w.facility.id, week });
  // a KIP in force whose review date has passed, for an intensive resident (on the board)
  const day = new Date(Date.now() - 2 * 86400000).toISOString().slice(0, 10);
  w.reviewDay = day;
  await w.api.c.call('PUT', `/api/residents/${w.risky.id}/kip`, {
    coordinator_org_id: w.team.id, coordinator_user_id: null, status: 'active', resident_goal: 'Egen bolig',
    goals: [{ title: 'Fast døgnrytme', status: 'open', actions: [] }],
    participants: { necessary: [{ role: 'resident' }], as_needed: [] }, next_review: day,
  }, { 'If-Match': '"0"' });
  await w.api.c.post(`/api/residents/${w.risky.id}/intensity`, { level: 'intensive', reason: 'Uro og dårlig søvn' });
});
after(async () => { await browser?.close(); });

/** Clicks a download button and returns the saved file's bytes. */
async function download(page, name) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
  return { bytes: readFileSync(await dl.path()), filename: dl.suggestedFilename() };
}

test('the CSV saved from the browser starts with the BOM and has Danish, or English, headers', async () => {
  const page = await newPage(browser);
  await login(page, w.rmanager.email);
  await go(page, '/reports/admissions');
  const da = await download(page, 'Hent som CSV (Excel)');
  assert.deepEqual([...da.bytes.subarray(0, 3)], [0xEF, 0xBB, 0xBF], 'the byte-order mark Excel needs for æøå');
  const header = da.bytes.subarray(3).toString('utf8').split('\r\n')[0];
  assert.equal(header, 'Periode;Periode fra;Periode til;Opdeling;Værdi;Indlæggelser;Tvangsindlæggelser;Andel tvang;Genindlæggelser;Andel genindlæggelser;Sengedage');
  assert.match(da.filename, /^indlaeggelser-.*\.csv$/);
  await go(page, '/reports/attendance');
  const att = await download(page, 'Hent som CSV (Excel)');
  assert.deepEqual([...att.bytes.subarray(0, 3)], [0xEF, 0xBB, 0xBF]);
  assert.match(att.bytes.subarray(3).toString('utf8'), /^Måned;Planlagt;Gennemført;Udeblevet;/);
  // in English: English headers
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await settle(page);
  const en = await download(page, 'Download as CSV (Excel)');
  assert.deepEqual([...en.bytes.subarray(0, 3)], [0xEF, 0xBB, 0xBF]);
  assert.match(en.bytes.subarray(3).toString('utf8'), /^month;planned;held;no_show;/);
  await page.context().close();
});

test('every report page offers an Excel file that opens with typed cells and Danish headers', async () => {
  const page = await newPage(browser);
  await login(page, w.rmanager.email);
  for (const [path, first, sheet] of [['/reports/admissions', 'Periode', 'Indlæggelser'], ['/reports/attendance', 'Måned', 'Fremmøde']]) {
    await go(page, path);
    await checkA11y(page, `${path} with downloads`);
    const x = await download(page, 'Hent som Excel-fil (.xlsx)');
    assert.equal(x.bytes.subarray(0, 2).toString('latin1'), 'PK', 'an xlsx is a zip');
    assert.match(x.filename, /\.xlsx$/);
    // a real reader: Debian's openpyxl
    const out = execFileSync('/usr/bin/python3', ['-c', [
      'import sys, io, openpyxl',
      'wb = openpyxl.load_workbook(io.BytesIO(sys.stdin.buffer.read()))',
      'ws = wb.active',
      'print(ws.title)',
      'print(ws["A1"].value)',
      'print(ws.freeze_panes)',
      'print(ws["A1"].font.b)',
    ].join('\n')], { input: x.bytes }).toString('utf8').split('\n');
    assert.deepEqual(out.slice(0, 4), [sheet, first, 'A2', 'True'], `${path}: ${out.join(' | ')}`);
  }
  await shot(page, 'manager-report-downloads');
  await page.context().close();
});

test('the link in the Monday-mail notification opens that mail for a team member after log-in', async () => {
  const page = await newPage(browser);
  // the link as the notification writes it (server/monday_mail.c): PUBLIC_ORIGIN/#/received?...
  await page.goto(`${BASE}/#/received?facility=${w.facility.id}&week=${week}`);
  await page.waitForFunction(() => location.hash.includes('/login'));
  await page.getByLabel('E-mail').fill(w.clinician.email);
  await page.getByLabel('Adgangskode').fill('demo-password');
  await page.getByRole('button', { name: 'Log ind' }).click();
  await page.waitForFunction(() => location.hash.includes('/received?facility='));
  await settle(page);
  const text = await mainText(page);
  assert.match(text, new RegExp(`Mandagsmail uge ${Number(week.slice(6))}`));
  assert.match(text, new RegExp(w.sharing.name));
  assert.match(text, /Sover dårligt, ønsker samtale om medicinen\./);
  await checkA11y(page, 'received Monday mail');
  await page.context().close();
});

test('the link of older notifications (/monday-mail?...) opens the same mail after log-in', async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE}/monday-mail?facility=${w.facility.id}&week=${week}`);
  await page.waitForFunction(() => location.hash.includes('/login'));
  await page.getByLabel('E-mail').fill(w.clinician.email);
  await page.getByLabel('Adgangskode').fill('demo-password');
  await page.getByRole('button', { name: 'Log ind' }).click();
  await page.waitForFunction(() => location.hash.includes('/received?facility='));
  await settle(page);
  assert.match(await mainText(page), /Sover dårligt, ønsker samtale om medicinen\./);
  assert.equal(new URL(page.url()).pathname, '/');
  await page.context().close();
});

test('the KIP status shows on the resident, in the caseload and on the board', async () => {
  const page = await newPage(browser);
  await login(page, w.clinician.email);
  await go(page, `/residents/${w.risky.id}`);
  const [y, m, d] = w.reviewDay.split('-');
  assert.match(await mainText(page), new RegExp(`KIP\\s+Opfølgning forfalden \\(${d}\\.${m}\\.${y}\\)`));
  await go(page, '/residents');
  const row = page.locator('main tr', { hasText: w.risky.name });
  assert.match(await row.innerText(), /KIP: opfølgning forfalden/);
  assert.doesNotMatch(await page.locator('main tr', { hasText: w.privateR.name }).innerText(), /KIP/);
  await go(page, '/board');
  const card = page.locator('main li.card', { hasText: w.risky.name });
  assert.match(await card.innerText(), /KIP\s+Opfølgning forfalden/);
  await checkA11y(page, 'board with KIP status');
  for (const bad of ['null', 'undefined', 'NaN', '[object Object]']) assert.ok(!(await mainText(page)).includes(bad), bad);
  await page.context().close();
});
