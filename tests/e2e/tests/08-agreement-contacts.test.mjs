// Agreement editing: each side's contact person is chosen from its people, and the Monday-mail
// notice e-mail and deadline are set; the agreement shows them, and an edit keeps them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, login, go, checkA11y, mainText, makeWorld } from './helpers.mjs';

let browser; let w;
before(async () => { browser = await launch(); w = await makeWorld('agc'); });
after(async () => { await browser?.close(); });

test('contact persons of both sides and the Monday-mail notice on a new agreement', async () => {
  const page = await newPage(browser);
  await login(page, w.rmanager.email);
  await go(page, '/agreements/new');
  const facilityContact = page.getByLabel('Kontaktperson på botilbuddet');
  // before the facility is chosen, none of its people are offered
  assert.deepEqual(await facilityContact.locator('option').allInnerTexts(), ['Ingen valgt']);
  await page.getByLabel(/^Botilbud \*?$/).selectOption(w.facility.id);
  const facilityOptions = (await facilityContact.locator('option').allInnerTexts()).join('|');
  assert.match(facilityOptions, /Sara Kontakt/);
  assert.match(facilityOptions, /Frida Forstander/);
  assert.doesNotMatch(facilityOptions, /Karen Klinik/);
  const teamOptions = (await page.getByLabel('Kontaktperson i F-ACT-teamet').locator('option').allInnerTexts()).join('|');
  assert.match(teamOptions, /Karen Klinik/);
  assert.doesNotMatch(teamOptions, /Sara Kontakt/);
  await page.getByLabel('Formål').fill('Aftale med kontaktpersoner');
  await page.getByLabel('Kontaktperson i F-ACT-teamet').selectOption({ label: 'Karen Klinik (Behandler, F-ACT)' });
  await facilityContact.selectOption({ label: 'Sara Kontakt (Kontaktperson, botilbud)' });
  await page.getByLabel('Mandagsmail senest kl.').fill('10.30');
  await page.getByLabel(/Besked om mandagsmailen sendes til/).fill(`team.${w.u}@test.demo`);
  await checkA11y(page, 'new agreement with contacts');
  await page.getByRole('button', { name: 'Opret kladde' }).click();
  await page.getByText('Aftalen er oprettet som kladde.').waitFor();
  let text = await mainText(page);
  assert.match(text, /Kontaktperson i F-ACT-teamet\s+Karen Klinik/);
  assert.match(text, /Kontaktperson på botilbuddet\s+Sara Kontakt/);
  assert.match(text, /Aftalt, senest kl\. 10\.30/);
  assert.match(text, new RegExp(`Besked om mandagsmailen til\\s+team\\.${w.u}@test\\.demo`));
  // edit: another facility contact, the rest kept
  await page.getByRole('link', { name: 'Redigér' }).click();
  await page.locator('main h1', { hasText: 'Redigér aftale' }).waitFor();
  assert.equal(await page.getByLabel(/Besked om mandagsmailen sendes til/).inputValue(), `team.${w.u}@test.demo`);
  await page.getByLabel('Kontaktperson på botilbuddet').selectOption({ label: 'Frida Forstander (Botilbudsleder)' });
  await checkA11y(page, 'edit agreement');
  await page.getByRole('button', { name: 'Gem ændringer' }).click();
  await page.getByText('Ændringerne er gemt.').waitFor();
  text = await mainText(page);
  assert.match(text, /Kontaktperson på botilbuddet\s+Frida Forstander/);
  assert.match(text, /Kontaktperson i F-ACT-teamet\s+Karen Klinik/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
