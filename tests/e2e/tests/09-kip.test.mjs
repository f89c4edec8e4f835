// KIP editing: a sub-goal with its own action, and two participants of the same role.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, login, go, checkA11y, shot, mainText, makeWorld } from './helpers.mjs';

let browser; let w;
before(async () => { browser = await launch(); w = await makeWorld('kipm'); });
after(async () => { await browser?.close(); });

test('KIP: a sub-goal with its action, several participants of one role', async () => {
  const page = await newPage(browser);
  await login(page, w.staff.email);
  await go(page, `/residents/${w.sharing.id}/kip/edit`);
  await page.getByLabel('Mål', { exact: true }).first().fill('Egen bolig');
  await page.getByRole('button', { name: 'Tilføj delmål til mål 1' }).click();
  await page.getByLabel('Delmål', { exact: true }).fill('Lære at handle ind');
  await page.getByRole('button', { name: 'Tilføj indsats til delmål 1.1' }).click();
  const action = page.getByRole('group', { name: 'Indsats 1 til delmål 1.1' });
  await action.getByLabel('Indsats', { exact: true }).fill('Indkøbstræning hver tirsdag');
  await action.getByLabel('Ansvarlig', { exact: true }).fill('Sara Kontakt');
  await page.getByRole('button', { name: 'Tilføj nødvendig deltager' }).click();
  await page.getByRole('button', { name: 'Tilføj nødvendig deltager' }).click();
  await page.getByLabel('Rolle (nødvendig deltager 2)').selectOption('relative');
  await page.getByLabel('Navn (nødvendig deltager 2)').fill('Mor Deler');
  await page.getByLabel('Rolle (nødvendig deltager 3)').selectOption('relative');
  await page.getByLabel('Navn (nødvendig deltager 3)').fill('Bror Deler');
  await checkA11y(page, 'KIP edit with sub-goals');
  await shot(page, 'kip-edit-subgoals');
  await page.getByRole('button', { name: 'Gem ny version' }).click();
  await page.getByText('KIP er gemt som en ny version.').waitFor();
  const text = await mainText(page);
  assert.match(text, /Egen bolig/);
  assert.match(text, /Lære at handle ind/);
  assert.match(text, /Indkøbstræning hver tirsdag/);
  assert.match(text, /Pårørende – Mor Deler/);
  assert.match(text, /Pårørende – Bror Deler/);
  // editing again shows the sub-goal with its action in the form
  await page.getByRole('link', { name: 'Redigér KIP' }).click();
  await page.locator('main h1', { hasText: 'Redigér KIP' }).waitFor();
  assert.equal(await page.getByLabel('Delmål', { exact: true }).inputValue(), 'Lære at handle ind');
  assert.equal(await page.getByRole('group', { name: 'Indsats 1 til delmål 1.1' }).getByLabel('Indsats', { exact: true }).inputValue(), 'Indkøbstræning hver tirsdag');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
