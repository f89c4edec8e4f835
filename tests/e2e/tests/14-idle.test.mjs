// A shared computer at the facility: after 15 minutes without use the session ends and the
// screen shows the log-in (a warning a minute before offers to stay). The same user logging
// in again returns to the form with what they typed; another user gets neither the page nor
// the text. Time is moved on with Playwright's clock, not waited for.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, login, go, checkA11y, mainText, makeWorld, PASSWORD } from './helpers.mjs';

let browser; let w; let other;
before(async () => {
  browser = await launch();
  w = await makeWorld('idle');
  other = await w.api.admin.post('/api/users', { email: `other.${w.u}@test.demo`, name: 'Ole Anden', role: 'region_clinician', org_id: w.team.id, password: PASSWORD });
});
after(async () => { await browser?.close(); });

async function loginAgain(page, email) {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Adgangskode').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log ind' }).click();
  await page.waitForFunction(() => !location.hash.includes('/login'));
  await page.locator('main h1').waitFor();
}

test('idle log-out on a shared computer', async () => {
  const page = await newPage(browser);
  await page.clock.install();
  await login(page, w.clinician.email);
  await go(page, `/log/${w.sharing.id}`);
  await page.getByLabel('Resumé til fælles brug').fill('Skrevet lige før pausen');

  // a minute before: a warning that can be dismissed
  await page.clock.fastForward('14:10');
  const warn = page.getByRole('alertdialog', { name: 'Er du her stadig?' });
  await warn.waitFor();
  assert.match(await warn.innerText(), /Du bliver logget ud om \d+ sekunder/);
  await checkA11y(page, 'idle warning');
  await warn.getByRole('button', { name: 'Bliv logget ind' }).click();
  await warn.waitFor({ state: 'detached' });
  await page.clock.fastForward('10:00');
  assert.equal(await page.getByLabel('Resumé til fælles brug').inputValue(), 'Skrevet lige før pausen', 'still there');

  // no use for 15 minutes: logged out, nothing of the resident on screen, the cookie gone
  await page.clock.fastForward('16:00');
  await page.getByText(/Du er logget ud, fordi skærmen ikke har været brugt i 15 minutter/).waitFor();
  const text = await mainText(page);
  assert.doesNotMatch(text, /Skrevet lige før pausen|Dorte Deler/);
  const me = await page.evaluate(async () => (await fetch('/api/me')).status);
  assert.equal(me, 401, 'the session ended on the server too');

  // the same user: back to the form with the text
  await loginAgain(page, w.clinician.email);
  assert.match(await page.evaluate(() => location.hash), new RegExp(`/log/${w.sharing.id}`));
  assert.equal(await page.getByLabel('Resumé til fælles brug').inputValue(), 'Skrevet lige før pausen');

  // idle again; another clinician of the same team takes the computer
  await page.clock.fastForward('16:00');
  await page.getByText(/Du er logget ud, fordi skærmen/).waitFor();
  await loginAgain(page, other.email);
  assert.match(await page.evaluate(() => location.hash), /#\/today/, 'another user starts on their own start page');
  await go(page, `/log/${w.sharing.id}`);
  assert.equal(await page.getByLabel('Resumé til fælles brug').inputValue(), '', "another user never sees what the first typed");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('what is typed stays in memory only, and leaving the page with it asks first', async () => {
  const page = await newPage(browser);
  await login(page, w.clinician.email);
  await go(page, `/log/${w.sharing.id}`);
  await page.getByLabel('Klinisk notat (kun teamet)').fill('Klinisk tekst der ikke må ligge på disken');
  await page.waitForTimeout(300);
  const stored = await page.evaluate(() => JSON.stringify([history.state, { ...sessionStorage }, { ...localStorage }]));
  assert.doesNotMatch(stored, /Klinisk tekst/, 'nothing typed is written to the browser\'s history or storage');
  const ctx = page.context();
  const closed = page.waitForEvent('close');
  const asked = new Promise((resolve) => page.once('dialog', async (d) => { resolve(d.type()); await d.accept(); }));
  await page.close({ runBeforeUnload: true });
  assert.equal(await asked, 'beforeunload');
  await closed;
  await ctx.close();
});

test('logging out clears what was typed', async () => {
  const page = await newPage(browser);
  await login(page, w.clinician.email);
  await go(page, `/log/${w.sharing.id}`);
  await page.getByLabel('Resumé til fælles brug').fill('Må ikke blive hængende');
  await page.waitForTimeout(300); // drafts are kept after a short pause in typing
  await page.getByRole('button', { name: 'Log ud' }).click();
  await page.locator('main h1', { hasText: 'Log ind' }).waitFor();
  await page.getByLabel('E-mail').fill(w.clinician.email);
  await page.getByLabel('Adgangskode').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log ind' }).click();
  await page.waitForFunction(() => !location.hash.includes('/login'));
  await go(page, `/log/${w.sharing.id}`);
  assert.equal(await page.getByLabel('Resumé til fælles brug').inputValue(), '');
  assert.ok(!(await page.evaluate(() => JSON.stringify(history.state || {}))).includes('Må ikke blive hængende'));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
