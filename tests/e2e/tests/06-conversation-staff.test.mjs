// Logging a conversation with a resident at risk when the contact person is away: another
// facility staff member who knows the resident is chosen from the facility's people, the
// safety-risk rule accepts it before saving, and the history names who took part.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, login, go, checkA11y, mainText, makeWorld, PASSWORD } from './helpers.mjs';

let browser; let w; let other;
before(async () => {
  browser = await launch();
  w = await makeWorld('staff');
  other = await w.api.admin.post('/api/users', { email: `anden.${w.u}@test.demo`, name: 'Anna Anden', role: 'facility_staff', org_id: w.facility.id, password: PASSWORD });
});
after(async () => { await browser?.close(); });

test('another staff member who knows the resident satisfies the safety-risk rule', async () => {
  const page = await newPage(browser);
  await login(page, w.clinician.email);
  await go(page, `/log/${w.risky.id}`);
  const rules = page.locator('#rules');
  const save = page.getByRole('button', { name: 'Gem samtale' });
  // the facility's people are listed, the contact person has their own box
  const group = page.getByRole('group', { name: 'Andre medarbejdere fra botilbuddet, der deltog' });
  assert.match(await group.innerText(), /Anna Anden/);
  assert.match(await group.innerText(), /Frida Forstander \(leder\)/);
  assert.doesNotMatch(await group.innerText(), /Sara Kontakt|Karen Klinik/);
  await page.getByLabel(/Kontaktpersonen deltog/).uncheck();
  assert.match(await rules.innerText(), /en anden medarbejder, der kender beboeren/);
  assert.equal(await save.isDisabled(), true);
  await page.getByLabel(/Anna Anden/).check();
  assert.doesNotMatch(await rules.innerText(), /ellers kan samtalen ikke gemmes/);
  assert.equal(await save.isEnabled(), true);
  await checkA11y(page, 'log conversation with staff');
  await page.getByLabel('Resumé til fælles brug').fill('Samtale med Anna som kendt medarbejder.');
  await save.click();
  await page.getByText(/Samtalen med .* er gemt/).waitFor();
  const text = await mainText(page);
  assert.match(text, /Deltagere: Karen Klinik, Anna Anden/);
  assert.doesNotMatch(text, /Deltagere: [^\n]*kontaktperson/);
  // the API has it too: the staff member is recorded by id
  const list = await w.api.c.get(`/api/residents/${w.risky.id}/conversations`);
  assert.deepEqual(list.items[0].participants.staff_present.map((x) => x.id), [other.id]);
  assert.equal(list.items[0].participants.contact_person_present, false);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
