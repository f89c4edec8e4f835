// Meetings: a network meeting planned by the contact person with the composition rule shown
// before saving, participants added and removed afterwards (a relative refused without the
// resident's consent, the last region participant kept), minutes saved; and a joint teaching
// event planned by the clinician with staff of both sides, shown in the annual wheel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, login, go, checkA11y, shot, mainText, makeWorld } from './helpers.mjs';

let browser; let w;
before(async () => { browser = await launch(); w = await makeWorld('meet'); });
after(async () => { await browser?.close(); });

test('network meeting: composition before saving, participants later, minutes', async () => {
  const page = await newPage(browser);
  await login(page, w.staff.email);
  await go(page, '/meetings/new');
  const rules = page.locator('#meeting-rules');
  const save = page.getByRole('button', { name: 'Opret møde' });
  assert.equal(await page.getByLabel('Type').inputValue(), 'network');
  // a resident with a safety risk: someone of the facility must take part, shown before saving
  await page.getByLabel(/^Beboer( \*)?$/).selectOption(w.risky.id);
  const staffBox = page.getByRole('group', { name: /Fra botilbuddet \(kommunen\)/ }).getByLabel(/Sara Kontakt/);
  await staffBox.waitFor();
  assert.match(await rules.innerText(), /Sikkerhedsrisiko er vurderet/);
  await staffBox.uncheck();
  assert.match(await rules.innerText(), /Sæt flueben ved en medarbejder fra botilbuddet/);
  assert.equal(await save.isDisabled(), true);
  await staffBox.check();
  assert.doesNotMatch(await rules.innerText(), /Sæt flueben/);
  await page.getByLabel(/^Beboer( \*)?$/).selectOption(w.sharing.id);
  // the resident, their contact person and their clinician are proposed
  const facility = page.getByRole('group', { name: /Fra botilbuddet \(kommunen\)/ });
  const team = page.getByRole('group', { name: /Fra F-ACT-teamet \(regionen\)/ });
  await facility.waitFor();
  assert.equal(await facility.getByLabel(/Sara Kontakt/).isChecked(), true);
  assert.equal(await facility.getByLabel(/Frida Forstander/).isChecked(), false);
  assert.equal(await team.getByLabel(/Karen Klinik/).isChecked(), true);
  assert.match(await rules.innerText(), /kræver mindst én deltager fra kommunen, én fra regionen og beboeren/);
  assert.equal(await save.isEnabled(), true);
  // without anyone from the region it cannot be saved, and the page says why
  await team.getByLabel(/Karen Klinik/).uncheck();
  assert.match(await rules.innerText(), /Mangler: en fra F-ACT-teamet \(regionen\)/);
  assert.equal(await save.isDisabled(), true);
  // no consent for relatives: the field is closed, with the reason
  assert.equal(await page.getByLabel(/^Pårørende/).isDisabled(), true);
  assert.match(await mainText(page), /Ikke muligt: beboeren har ikke et gældende samtykke til, at pårørende deltager/);
  await checkA11y(page, 'new network meeting, blocked');
  await team.getByLabel(/Karen Klinik/).check();
  assert.doesNotMatch(await rules.innerText(), /Mangler/);
  await page.getByLabel('Titel').fill('Netværksmøde om bolig');
  await page.getByLabel('Sted').fill('Mødelokalet');
  await shot(page, 'meeting-new');
  await save.click();
  await page.getByText('Mødet er oprettet.').waitFor();
  let text = await mainText(page);
  assert.match(text, /Netværksmøde om bolig/);
  assert.match(text, /Sara Kontakt – Medarbejder, kommunen/);
  assert.match(text, /Karen Klinik – Medarbejder, regionen/);
  assert.match(text, new RegExp(`Netværksmøde om Dorte Deler ${w.u}`));
  assert.match(text, new RegExp(`Dorte Deler ${w.u} – Beboeren`));

  // the facility manager joins later
  const add = page.locator('form.add-part');
  await add.getByLabel('Medarbejder').selectOption({ label: 'Frida Forstander (Botilbudsleder)' });
  await checkA11y(page, 'meeting with participants');
  await add.getByRole('button', { name: 'Tilføj deltager' }).click();
  await page.getByText('Deltageren er tilføjet.').waitFor();
  assert.match(await mainText(page), /Frida Forstander – Medarbejder, kommunen/);
  // a relative is refused without the resident's consent; what was typed stays
  await page.locator('form.add-part').getByLabel('Deltager er').selectOption('relative');
  await page.locator('form.add-part').getByLabel(/^Navn/).fill('Mor Deler');
  await page.locator('form.add-part').getByRole('button', { name: 'Tilføj deltager' }).click();
  await page.locator('form.add-part .form-alert').getByText(/Pårørende må kun deltage, når beboerens samtykke/).waitFor();
  assert.equal(await page.locator('form.add-part').getByLabel(/^Navn/).inputValue(), 'Mor Deler');
  assert.doesNotMatch(await page.locator('ul.parts').innerText(), /Mor Deler/);
  // Karen is the only one from the region: taking her off is refused, and she stays
  const karen = page.locator('ul.parts li', { hasText: 'Karen Klinik' });
  await karen.getByRole('button', { name: /Fjern/ }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Fjern' }).click();
  await page.getByText(/Kan ikke fjernes: et netværksmøde skal have/).waitFor();
  assert.match(await page.locator('ul.parts').innerText(), /Karen Klinik/);
  // Frida can be taken off
  await page.locator('ul.parts li', { hasText: 'Frida Forstander' }).getByRole('button', { name: /Fjern/ }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Fjern' }).click();
  await page.getByText('Frida Forstander er fjernet fra mødet.').waitFor();
  assert.doesNotMatch(await page.locator('ul.parts').innerText(), /Frida Forstander/);

  // minutes and a new time
  await page.getByLabel('Referat').fill('Dorte ønsker egen bolig; vi søger sammen.');
  await page.getByLabel('Status').selectOption('held');
  await page.getByRole('button', { name: 'Gem mødet' }).click();
  await page.getByText('Mødet er gemt.').waitFor();
  assert.equal(await page.getByLabel('Referat').inputValue(), 'Dorte ønsker egen bolig; vi søger sammen.');
  assert.equal(await page.getByLabel('Status').inputValue(), 'held');
  await shot(page, 'meeting');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('joint teaching event with staff of both sides, in the annual wheel', async () => {
  const page = await newPage(browser);
  await login(page, w.clinician.email);
  await go(page, '/meetings/new');
  await page.getByLabel('Type').selectOption('teaching');
  // the partner is the one facility the team serves; no resident, no relatives
  assert.equal(await page.getByLabel(/^Botilbud( \*)?$/).inputValue(), w.facility.id);
  assert.equal(await page.getByLabel(/^Beboer( \*)?$/).isHidden(), true);
  assert.equal(await page.getByLabel('Titel').inputValue(), 'Undervisning', 'the title follows the kind');
  const own = page.getByRole('group', { name: 'Fra egen organisation' });
  assert.equal(await own.getByLabel(/Karen Klinik/).isChecked(), true);
  await page.getByRole('group', { name: /^Fra Botilbud Test/ }).getByLabel(/Sara Kontakt/).check();
  await page.getByLabel('Titel').fill('Undervisning: selvmordsrisiko');
  const start = new Date(Date.now() + 10 * 86400000);
  const p = (x) => String(x).padStart(2, '0');
  const day = `${start.getFullYear()}-${p(start.getMonth() + 1)}-${p(start.getDate())}`;
  const typedDay = `${p(start.getDate())}.${p(start.getMonth() + 1)}.${start.getFullYear()}`; // dd.mm.åååå
  await page.getByLabel(/^Start/).fill(`${typedDay} 13.00`);
  await page.getByLabel(/^Slut/).fill(`${typedDay} 15.00`);
  await checkA11y(page, 'new teaching event');
  await page.getByRole('button', { name: 'Opret møde' }).click();
  await page.getByText('Mødet er oprettet.').waitFor();
  const text = await mainText(page);
  assert.match(text, /Undervisning: selvmordsrisiko/);
  assert.match(text, /Karen Klinik – Medarbejder, regionen/);
  assert.match(text, /Sara Kontakt – Medarbejder, kommunen/);
  // only staff can be added to a joint event
  assert.deepEqual(await page.locator('form.add-part').getByLabel('Deltager er').locator('option').allInnerTexts(), ['Medarbejder']);
  await go(page, `/wheel?year=${start.getFullYear()}`);
  assert.match(await mainText(page), /Undervisning: selvmordsrisiko \(Undervisning\)/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
