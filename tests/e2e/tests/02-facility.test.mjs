// The facility's contact person: my residents, the hidden clinical note and the summary hidden
// without consent, the Monday mail with autosave, preview and send, admissions and visits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, login, go, checkA11y, shot, mainText, makeWorld, isoWeek } from './helpers.mjs';

let browser; let w;
before(async () => {
  browser = await launch();
  w = await makeWorld('fac');
  const at = new Date(Date.now() - 3600e3).toISOString();
  for (const r of [w.privateR, w.sharing]) {
    await w.api.c.post('/api/conversations', { resident_id: r.id, occurred_at: at, kind: 'home', outcome: 'held', contact_person_present: true, summary: `Fælles resumé for ${r.name}`, clinical_note: 'HEMMELIGT KLINISK NOTAT' });
  }
});
after(async () => { await browser?.close(); });

test('my residents; a summary hidden without consent says why; the clinical note is never shown', async () => {
  const page = await newPage(browser, { touch: true, viewport: { width: 1024, height: 768 } });
  await login(page, w.staff.email);
  assert.match(page.url(), /#\/mine/);
  const mine = await mainText(page);
  assert.match(mine, new RegExp(w.privateR.name));
  assert.match(mine, new RegExp(w.sharing.name));
  await checkA11y(page, 'my residents');
  await shot(page, 'facility-my-residents');
  await go(page, `/residents/${w.privateR.id}`);
  let text = await mainText(page);
  assert.match(text, /Resuméet er skjult: beboeren har ikke givet samtykke/);
  assert.doesNotMatch(text, /HEMMELIGT KLINISK NOTAT/);
  assert.doesNotMatch(text, /Fælles resumé for/);
  await checkA11y(page, 'resident (facility)');
  await go(page, `/residents/${w.sharing.id}`);
  text = await mainText(page);
  assert.match(text, new RegExp(`Fælles resumé for ${w.sharing.name}`));
  assert.doesNotMatch(text, /HEMMELIGT KLINISK NOTAT/);
  await page.context().close();
});

test('Monday mail: autosave per entry, preview and send', async () => {
  const page = await newPage(browser, { touch: true, viewport: { width: 1024, height: 768 } });
  await login(page, w.staff.email);
  await go(page, '/monday-mail');
  const entry = page.locator('form.entry', { hasText: w.risky.name });
  await entry.getByLabel('Behov for samtale ved næste faste besøg').check();
  await entry.getByLabel('Prioritet').selectOption('high');
  await entry.getByLabel('Status').fill('Har sovet dårligt hele ugen.');
  await entry.getByText(/Gemt kl\./).waitFor();
  await checkA11y(page, 'Monday mail');
  await shot(page, 'facility-monday-mail');
  await go(page, '/mine');
  await go(page, '/monday-mail');
  assert.equal(await page.locator('form.entry', { hasText: w.risky.name }).getByLabel('Status').inputValue(), 'Har sovet dårligt hele ugen.');
  await page.getByRole('link', { name: 'Se og send mailen' }).click();
  await page.locator('pre.mail').waitFor();
  assert.match(await page.locator('pre.mail').innerText(), /Har sovet dårligt hele ugen/);
  await checkA11y(page, 'Monday mail preview');
  await page.getByRole('button', { name: 'Send mandagsmailen' }).click();
  const dialog = page.getByRole('dialog', { name: 'Send mandagsmailen?' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Send' }).click();
  await page.getByText('Mandagsmailen er sendt.').waitFor();
  assert.match(await mainText(page), /Mailen er sendt/);
  await page.context().close();
  // the team sees it among the received mails
  const c = await newPage(browser);
  await login(c, w.clinician.email);
  await go(c, '/received');
  assert.match(await mainText(c), new RegExp(`Uge \\d+, \\d{4}\\s+${w.facility.name}\\s+[^\\n]*Sara Kontakt\\)\\s+1`));
  await checkA11y(c, 'received mails');
  await c.context().close();
});

test('record an admission, a visit while admitted, and the discharge', async () => {
  const page = await newPage(browser, { touch: true });
  await login(page, w.staff.email);
  await go(page, '/admissions');
  assert.match(await mainText(page), /Ingen beboere er indlagt lige nu/);
  await page.getByLabel('Beboer').selectOption({ label: w.sharing.name });
  await page.getByLabel('Afsnit').fill('Afsnit P1');
  await page.getByLabel('Tvangsindlæggelse').check();
  await page.getByRole('button', { name: 'Registrér indlæggelse' }).click();
  await page.getByText('Indlæggelsen er registreret.').waitFor();
  const card = page.locator('article.card', { hasText: w.sharing.name });
  assert.match(await card.innerText(), /Tvangsindlagt/);
  await checkA11y(page, 'admissions');
  await shot(page, 'facility-admissions');
  await card.getByLabel('Note om besøget').fill('Kort besøg på afsnittet');
  await card.getByRole('button', { name: 'Registrér besøg' }).click();
  await page.getByText(/Besøget hos .* er registreret/).waitFor();
  await page.locator('article.card', { hasText: w.sharing.name }).getByRole('button', { name: 'Registrér udskrivelse' }).click();
  await page.getByText(/er registreret som udskrevet/).waitFor();
  assert.match(await mainText(page), /Ingen beboere er indlagt lige nu/);
  await page.context().close();
});
