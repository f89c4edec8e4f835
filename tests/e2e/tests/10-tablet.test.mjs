// A tablet held at the facility (820×1180, touch): the main pages of each daily job pass
// axe-core and never scroll sideways.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, login, go, checkA11y, shot, mainText, makeWorld } from './helpers.mjs';

let browser; let w;
before(async () => { browser = await launch(); w = await makeWorld('tab'); });
after(async () => { await browser?.close(); });

async function noSideScroll(page, path) {
  const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(sw <= cw, `${path} scrolls sideways on a tablet (${sw} > ${cw})`);
}

const JOURNEYS = () => ({
  clinician: [w.clinician.email, [['/today', /Dagsorden/], [`/log/${w.risky.id}`, /Sikkerhedsrisiko er vurderet/], ['/board', /F-ACT-tavle/], ['/calendar', /Besøgskalender/], [`/residents/${w.risky.id}/kip/edit`, /Opret KIP/]]],
  staff: [w.staff.email, [['/mine', /Mine beboere|Rikke Risiko/], ['/monday-mail', /Mandagsmail/], ['/admissions', /Indlæggelser/]]],
  manager: [w.rmanager.email, [['/agreements', /Samarbejdsaftaler/], [`/agreements/${w.agreementId}`, /Underskrifter/], ['/reports/admissions', /Indlæggelser/]]],
});

for (const name of ['clinician', 'staff', 'manager']) {
  test(`tablet: ${name}'s pages`, async () => {
    const [email, pages] = JOURNEYS()[name];
    const page = await newPage(browser, { viewport: { width: 820, height: 1180 }, touch: true });
    await login(page, email);
    for (const [path, expect] of pages) {
      await go(page, path);
      assert.match(await mainText(page), expect, path);
      await noSideScroll(page, path);
      await checkA11y(page, `tablet ${path}`);
    }
    await shot(page, `tablet-${name}`);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
}
