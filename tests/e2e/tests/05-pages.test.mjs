// Every other main page: it renders its heading and content, has no serious accessibility
// problems, and gets a screenshot. Consent recording with its history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, login, go, checkA11y, shot, mainText, makeWorld } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const PAGES = {
  'clinician@slagelse.demo': [
    ['/residents', /Beboere/, 'residents'],
    ['/residents/40000000-0000-4000-8000-000000000001/kip', /Mål og indsatser/, 'kip'],
    ['/residents/40000000-0000-4000-8000-000000000001/kip/edit', /Redigér KIP/, 'kip-edit'],
    ['/residents/40000000-0000-4000-8000-000000000006/consents', /Samtykkehistorik|Historik/, 'consents'],
    ['/received', /Modtagne mandagsmails/, 'received'],
    ['/calendar', /Besøgskalender/, 'calendar'],
    ['/meetings', /Møder/, 'meetings'],
    ['/meetings/new', /Nyt møde/, 'meeting-new'],
    ['/wheel', /Årshjul/, 'wheel'],
  ],
  'manager@engen.demo': [
    ['/agreements', /Samarbejdsaftaler/, 'facility-manager-agreements'],
    ['/agreements/a0000000-0000-4000-8000-000000000001', /Underskrifter/, 'agreement-demo'],
    ['/monday-mail', /Mandagsmail/, 'facility-manager-monday-mail'],
  ],
};

for (const [email, pages] of Object.entries(PAGES)) {
  test(`main pages of ${email}`, async () => {
    const page = await newPage(browser);
    await login(page, email);
    for (const [path, expect, name] of pages) {
      await go(page, path);
      assert.match(await mainText(page), expect, path);
      await checkA11y(page, path);
      await shot(page, name);
    }
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
}

test('record and withdraw a consent; the history shows both', async () => {
  const w = await makeWorld('cons');
  const page = await newPage(browser);
  await login(page, w.clinician.email);
  await go(page, `/residents/${w.risky.id}/consents`);
  await page.getByLabel('Samtykke om').selectOption('relatives_may_attend');
  await page.getByLabel('Giver samtykke').check();
  await page.getByRole('button', { name: 'Registrér samtykke' }).click();
  await page.getByText('Samtykket er registreret.').waitFor();
  assert.match(await mainText(page), /Pårørende må deltage: Givet/);
  await page.getByLabel('Samtykke om').selectOption('relatives_may_attend');
  await page.getByLabel('Afviser / trækker tilbage').check();
  await page.getByRole('button', { name: 'Registrér samtykke' }).click();
  await page.waitForFunction(() => document.querySelector('main').innerText.includes('Trukket tilbage'));
  const text = await mainText(page);
  assert.match(text, /Pårørende må deltage: Trukket tilbage/);
  assert.equal((text.match(/Pårørende må deltage\t/g) || []).length, 2);
  await page.context().close();
});
