// The clinician at the facility: today's visit, logging a conversation with the safety-risk
// rule shown before saving, intensity up, the F-ACT board, history and KIP, an expired session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, login, go, checkA11y, shot, mainText, makeWorld, isoWeek, BASE } from './helpers.mjs';

let browser; let w;
before(async () => {
  browser = await launch();
  w = await makeWorld('clin');
  // the facility asks for a talk with the resident at risk in this week's Monday mail
  const s = await (await import('./helpers.mjs')).apiLogin(w.staff.email);
  await s.call('PUT', `/api/residents/${w.risky.id}/monday-entries/${isoWeek()}`, { needs_talk: true, priority: 'high', status_text: 'Uro om natten, ønsker samtale om medicin.' });
  // the team reads the entries once the mail is sent; sending puts the resident on the agenda
  await s.post('/api/monday-mail/send', { facility: w.facility.id, week: isoWeek() });
});
after(async () => { await browser?.close(); });

test('today\'s visit lists the flagged resident first with safety risk and consent', async () => {
  const page = await newPage(browser);
  await login(page, w.clinician.email);
  assert.match(page.url(), /#\/today/);
  const text = await mainText(page);
  assert.match(text, /Næste faste besøg|Dagens besøg/);
  assert.match(text, /Dagsorden/);
  const first = page.locator('ol.cards > li').first();
  await first.waitFor();
  const card = await first.innerText();
  assert.match(card, new RegExp(w.risky.name));
  assert.match(card, /Sikkerhedsrisiko/);
  assert.match(card, /Uro om natten/);
  assert.match(card, /Seneste samtale/);
  assert.match(card, /Samtykke/);
  assert.match(card, /Indlagt/);
  await checkA11y(page, 'today');
  await shot(page, 'clinician-today');
  await page.context().close();
});

test('the safety-risk rule is shown and enforced before saving; the conversation is logged', async () => {
  const page = await newPage(browser);
  await login(page, w.clinician.email);
  await page.getByRole('link', { name: `Log samtale med ${w.risky.name}` }).click();
  await page.locator('main h1', { hasText: 'Log samtale' }).waitFor();
  const rules = page.locator('#rules');
  assert.match(await rules.innerText(), /Sikkerhedsrisiko er vurderet/);
  const save = page.getByRole('button', { name: 'Gem samtale' });
  assert.equal(await save.isEnabled(), true);
  // without the contact person a held conversation cannot be saved: explained, not only refused
  await page.getByLabel(/Kontaktpersonen deltog/).uncheck();
  assert.match(await rules.innerText(), /ellers kan samtalen ikke gemmes/);
  assert.equal(await save.isDisabled(), true);
  // relatives are not possible without consent, and it says why
  assert.equal(await page.getByLabel(/Pårørende/).isDisabled(), true);
  assert.match(await mainText(page), /ikke et gældende samtykke til, at pårørende deltager/);
  await checkA11y(page, 'log conversation');
  await shot(page, 'clinician-log-conversation');
  await page.getByLabel(/Kontaktpersonen deltog/).check();
  assert.equal(await save.isEnabled(), true);
  await page.getByLabel('Resumé til fælles brug').fill('Talte om søvn og medicin.');
  await page.getByLabel('Klinisk notat (kun teamet)').fill('Let øget uro, ingen psykotiske symptomer.');
  const started = Date.now();
  await save.click();
  await page.getByText(/Samtalen med .* er gemt/).waitFor();
  assert.ok(Date.now() - started < 60000);
  const text = await mainText(page);
  assert.match(text, /Samtalen med .* er gemt/);
  assert.match(text, /Talte om søvn og medicin/);
  assert.match(text, /Let øget uro/);
  await page.context().close();
});

test('intensity up with a reason puts the resident on the F-ACT board; history and KIP open', async () => {
  const page = await newPage(browser);
  await login(page, w.clinician.email);
  await go(page, `/residents/${w.sharing.id}`);
  await page.getByLabel('Begrundelse for at skrue op').fill('Tegn på tilbagefald');
  await page.getByRole('button', { name: 'Skru op til intensiv' }).click();
  await page.getByText('Intensiteten er skruet op.').waitFor();
  assert.match(await mainText(page), /Intensiv periode/);
  assert.match(await mainText(page), /Tegn på tilbagefald/);
  await checkA11y(page, 'resident');
  await shot(page, 'clinician-resident');
  await go(page, '/board');
  assert.match(await mainText(page), new RegExp(w.sharing.name));
  await checkA11y(page, 'board');
  await shot(page, 'clinician-board');
  await go(page, `/residents/${w.sharing.id}/kip`);
  assert.match(await mainText(page), /ingen koordinerende indsatsplan/);
  await page.getByRole('link', { name: 'Opret KIP' }).click();
  await page.locator('main h1', { hasText: 'Opret KIP' }).waitFor();
  await page.getByLabel('Mål', { exact: true }).first().fill('Fast døgnrytme');
  await page.getByRole('button', { name: 'Gem ny version' }).click();
  await page.getByText('KIP er gemt som en ny version.').waitFor();
  assert.match(await mainText(page), /Fast døgnrytme/);
  await checkA11y(page, 'KIP');
  await page.context().close();
});

test('an expired session returns to log-in and back to the form with the typed text', async () => {
  const page = await newPage(browser);
  await login(page, w.clinician.email);
  await go(page, `/log/${w.sharing.id}`);
  await page.getByLabel('Resumé til fælles brug').fill('Tekst skrevet før sessionen udløb');
  await page.context().clearCookies();
  await page.getByRole('button', { name: 'Gem samtale' }).click();
  await page.locator('main h1', { hasText: 'Log ind i Samspil' }).waitFor();
  assert.match(await mainText(page), /Din session er udløbet/);
  await page.getByLabel('E-mail').fill(w.clinician.email);
  await page.getByLabel('Adgangskode').fill('demo-password');
  await page.getByRole('button', { name: 'Log ind' }).click();
  await page.locator('main h1', { hasText: 'Log samtale' }).waitFor();
  assert.equal(await page.getByLabel('Resumé til fælles brug').inputValue(), 'Tekst skrevet før sessionen udløb');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
