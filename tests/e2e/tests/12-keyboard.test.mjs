// Keyboard only: log in, reach the header and the content, log a conversation and save it without a
// mouse; every element that takes focus shows a visible focus indicator, and the focus
// order follows the form from top to bottom.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, go, settle, mainText, makeWorld, BASE, PASSWORD } from './helpers.mjs';

process.env.TZ = 'Europe/Copenhagen'; // the date typed is a Copenhagen day
let browser; let w;
before(async () => { browser = await launch(); w = await makeWorld('kbd'); });
after(async () => { await browser?.close(); });

/** What has focus now: its accessible label (or text), whether its focus is visible, and where it is. */
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const label = (el.labels && el.labels[0] && el.labels[0].innerText) || el.getAttribute('aria-label') || el.innerText || el.name || el.id;
    const cs = getComputedStyle(el);
    const visible = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || cs.boxShadow !== 'none';
    const r = el.getBoundingClientRect();
    return { style: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.boxShadow} fv=${el.matches(":focus-visible")} f=${el.matches(":focus")} doc=${document.hasFocus()}`, label: String(label).trim().replace(/\s+/g, ' '), tag: el.tagName, type: el.type || '', name: el.name || '', visible, top: r.top + window.scrollY };
  });
}

/** Presses Tab until focus is on an element whose label matches re (at most n presses). */
async function tabTo(page, re, n = 60, seen = []) {
  for (let i = 0; i < n; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (!f) continue;
    seen.push(f);
    assert.ok(f.visible, `no visible focus indicator on ${f.tag} "${f.label}" (${f.style})`);
    if (re.test(f.label)) return f;
  }
  throw new Error(`${re} not reached with Tab; focus went through: ${seen.map((x) => x.label).join(' | ')}`);
}

test('log in and log a conversation with the keyboard only', async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE}/#/login`);
  await settle(page);
  await tabTo(page, /^E-mail/);
  await page.keyboard.type(w.clinician.email);
  await tabTo(page, /^Adgangskode/, 3);
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !location.hash.includes('/login'));
  await settle(page);

  await go(page, `/log/${w.sharing.id}`);
  // a new page puts focus at the start of the content, so a screen reader starts there
  assert.match(await page.evaluate(() => document.activeElement.id || document.activeElement.tagName), /^(main|H1)$/i);
  // the header is just behind the content: Shift+Tab reaches Log out, with a visible focus
  await page.keyboard.press('Shift+Tab');
  const back = await focused(page);
  assert.match(back.label, /^Log ud$/);
  assert.ok(back.visible);
  const seen = [];
  await tabTo(page, /^Tidspunkt/, 10, seen);
  // the date and time are one text field (dd.mm.åååå tt.mm), typed with the keyboard
  await page.keyboard.press('Control+A');
  const y = new Date(Date.now() - 86400e3);
  const typed = `${String(y.getDate()).padStart(2, '0')}.${String(y.getMonth() + 1).padStart(2, '0')}.${y.getFullYear()}`;
  await page.keyboard.type(`${typed} 10.15`);
  // radios: one Tab stop per group, arrows choose
  await tabTo(page, /^Hjemmebesøg|^Fast besøg|^Telefon|^Video/, 3, seen);
  await tabTo(page, /^Gennemført/, 5, seen);
  await page.keyboard.press('ArrowRight');
  const outcome = await focused(page);
  assert.notEqual(outcome.label, 'Gennemført', 'the arrow key moves within the outcome group');
  await page.keyboard.press('ArrowLeft');
  assert.match((await focused(page)).label, /^Gennemført/);
  await tabTo(page, /^Kontaktpersonen deltog/, 5, seen);
  await tabTo(page, /^Resumé til fælles brug/, 15, seen);
  await page.keyboard.type('Gik en tur sammen; god stemning.');
  await tabTo(page, /^Klinisk notat/, 3, seen);
  await page.keyboard.type('Ingen ændring i medicin.');
  await tabTo(page, /^Gem samtale/, 5, seen);
  // focus went down the page, never back up
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].top >= seen[i - 1].top - 1, `focus jumped up from "${seen[i - 1].label}" to "${seen[i].label}"`);
  await page.keyboard.press('Enter');
  await page.getByText(/Samtalen med .* er gemt/).waitFor();
  assert.match(await mainText(page), /Gik en tur sammen; god stemning\./);
  assert.ok((await mainText(page)).includes(`${typed} kl. 10.15`), 'the typed time is the time saved');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
