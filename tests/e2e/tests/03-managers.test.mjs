// Managers: agreement overview, create, send for signatures and sign with a confirmation,
// print as A4 with both signatures; admissions dashboard (chart, table, CSV), attendance, audit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, newPage, login, go, checkA11y, shot, mainText, makeWorld, apiLogin } from './helpers.mjs';

let browser; let w;
before(async () => { browser = await launch(); w = await makeWorld('mgr'); });
after(async () => { await browser?.close(); });

test('create an agreement, send it, both sides sign with confirmation, print it as A4', async () => {
  const page = await newPage(browser);
  await login(page, w.rmanager.email);
  assert.match(page.url(), /#\/agreements/);
  assert.match(await mainText(page), /Samarbejdsaftaler/);
  await checkA11y(page, 'agreements');
  await page.getByRole('link', { name: 'Ny aftale' }).click();
  await page.locator('main h1', { hasText: 'Ny samarbejdsaftale' }).waitFor();
  await page.locator('select[name=partner]').selectOption({ label: w.facility.name });
  await page.getByLabel('Formål').fill('Sammen forebygger vi indlæggelser.');
  await checkA11y(page, 'agreement form');
  await page.getByRole('button', { name: 'Opret kladde' }).click();
  await page.getByText('Aftalen er oprettet som kladde.').waitFor();
  await page.getByRole('button', { name: 'Send til underskrift' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Send til underskrift' }).click();
  await page.getByText('Aftalen er sendt til underskrift.').waitFor();
  await page.getByRole('button', { name: 'Underskriv for F-ACT-teamet' }).click();
  const dlg = page.getByRole('dialog', { name: 'Underskriv aftalen?' });
  assert.match(await dlg.innerText(), /Underskriften er bindende/);
  await dlg.getByRole('button', { name: 'Underskriv' }).click();
  await page.getByText('Aftalen er underskrevet.').waitFor();
  assert.match(await mainText(page), /Afventer underskrift/);
  const url = page.url();
  await page.context().close();

  const fm = await newPage(browser);
  await login(fm, w.fmanager.email);
  await fm.goto(url);
  await fm.getByRole('button', { name: 'Underskriv for botilbuddet' }).click();
  await fm.getByRole('dialog').getByRole('button', { name: 'Underskriv' }).click();
  await fm.getByText('Aftalen er underskrevet.').waitFor();
  const text = await mainText(fm);
  assert.match(text, /Gældende/);
  assert.match(text, /Rasmus Regionsleder/);
  assert.match(text, /Frida Forstander/);
  await checkA11y(fm, 'agreement');
  await shot(fm, 'manager-agreement');
  // print: the A4 document without the app around it, both signatures visible
  await fm.emulateMedia({ media: 'print' });
  assert.equal(await fm.locator('header.top').isVisible(), false);
  assert.equal(await fm.getByRole('button', { name: 'Udskriv (A4)' }).isVisible(), false);
  const sigs = fm.locator('.signatures');
  assert.equal(await sigs.isVisible(), true);
  assert.match(await sigs.innerText(), /Rasmus Regionsleder[\s\S]*Frida Forstander/);
  assert.match(await fm.locator('.doc').innerText(), /Sammen forebygger vi indlæggelser/);
  await fm.pdf({ path: new URL('../output/agreement-print.pdf', import.meta.url).pathname, format: 'A4' });
  await shot(fm, 'manager-agreement-print');
  await fm.context().close();
});

test('admissions dashboard: chart, data table, CSV; attendance; audit log of a resident', async () => {
  const page = await newPage(browser);
  await login(page, 'manager@slagelse.demo');
  await go(page, '/reports/admissions');
  assert.equal(await page.locator('svg.chart').first().isVisible(), true);
  assert.match(await mainText(page), /Indlæggelser pr\. måned \(tabel\)/);
  assert.match(await mainText(page), /Før og efter aftalen/);
  assert.match(await mainText(page), /Indlæggelser pr\. ugedag/);
  await checkA11y(page, 'admissions report');
  await shot(page, 'manager-admissions-dashboard');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Hent som CSV (Excel)' }).click()]);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.match(csv, /;/);
  await go(page, '/reports/attendance');
  assert.match(await mainText(page), /Udeblevet/);
  await checkA11y(page, 'attendance');
  // the team's clinician (Camilla Kristensen) opens the resident: the trail must show it
  const clinician = await apiLogin('clinician@slagelse.demo');
  await clinician.get('/api/residents/40000000-0000-4000-8000-000000000006');
  await go(page, '/residents/40000000-0000-4000-8000-000000000006/audit');
  const audit = await mainText(page);
  assert.match(audit, /Hvem har set Fatima Hassan\?/);
  assert.match(audit, /Camilla Kristensen\tF-ACT Slagelse\tlæste\tbeboeren\tTilladt/);
  await checkA11y(page, 'audit');
  await page.context().close();
});
