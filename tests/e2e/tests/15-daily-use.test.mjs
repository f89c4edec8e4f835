// Daily use (issue 10): what people stumbled on in the browser. Each test asserts what the user
// sees: the consent lines of an agenda card fit, no page shows null/undefined/NaN, Danish dates
// and times in the app and the Monday mail, received mails can be reread, no "Log ud" before
// log-in, no empty intensity box for the facility, why a summary is hidden (and since when),
// the talk badge goes once the talk is held, demo data in Danish, date and time fields in
// dd.mm.åååå and 24 hours in an English browser, and the calendar's tidy columns.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, login, go, checkA11y, shot, mainText, makeWorld, isoWeek, apiLogin, BASE } from './helpers.mjs';

process.env.TZ = 'Europe/Copenhagen'; // dates typed here are Copenhagen days
let browser; let w;
const week = isoWeek();
const MONTHS = ['januar', 'februar', 'marts', 'april', 'maj', 'juni', 'juli', 'august', 'september', 'oktober', 'november', 'december'];
/** The Copenhagen parts of a time, from formatToParts (never a formatted string). */
function cph(date) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Copenhagen', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(date).map((x) => [x.type, x.value]));
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day), hh: p.hour, mm: p.minute };
}
/** "1. december 2026" for a YYYY-MM-DD day. */
const longDay = (day) => { const [y, m, d] = day.split('-').map(Number); return `${d}. ${MONTHS[m - 1]} ${y}`; };
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const BAD_WORDS = /\bnull\b|\bundefined\b|\bNaN\b|\[object Object\]/;
const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

before(async () => {
  browser = await launch();
  w = await makeWorld('daily');
  // a conversation with each resident, so the facility has summaries to see or not
  const at = new Date(Date.now() - 2 * 3600e3).toISOString();
  for (const r of [w.privateR, w.sharing]) {
    await w.api.c.post('/api/conversations', { resident_id: r.id, occurred_at: at, kind: 'home', outcome: 'held', contact_person_present: true, summary: `Resumé for ${r.name}`, clinical_note: 'Notat' });
  }
  // this week's Monday mail asks for a talk with two residents; the others have a status
  const s = await apiLogin(w.staff.email);
  w.api.s = s;
  await s.call('PUT', `/api/residents/${w.sharing.id}/monday-entries/${week}`, { needs_talk: true, priority: 'high', status_text: 'Sover dårligt; vil gerne tale om medicinen.' });
  await s.call('PUT', `/api/residents/${w.privateR.id}/monday-entries/${week}`, { needs_talk: true, priority: 'normal', status_text: 'Ønsker at tale om at flytte.' });
  await s.call('PUT', `/api/residents/${w.risky.id}/monday-entries/${week}`, { needs_talk: false, priority: 'low', status_text: 'Rolig uge.' });
});
after(async () => { await browser?.close(); });

test('item 5: the log-in page offers no "Log ud"; after log-in it does', async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE}/#/login`);
  await page.getByRole('button', { name: 'Log ind' }).waitFor();
  assert.equal(await page.locator('#logout').isVisible(), false, 'no log-out button before log-in');
  assert.equal(await page.getByRole('button', { name: 'Log ud' }).count(), 0);
  await login(page, w.clinician.email);
  assert.equal(await page.getByRole('button', { name: 'Log ud' }).isVisible(), true);
  await page.context().close();
});

test('item 3: sending the Monday mail says "1 beboer"/"2 beboere"; the mail text has a Danish time', async () => {
  const page = await newPage(browser);
  await login(page, w.staff.email);
  await go(page, `/monday-mail/preview?week=${week}`);
  await page.getByRole('button', { name: 'Send mandagsmailen' }).click();
  const dlg = page.getByRole('dialog', { name: 'Send mandagsmailen?' });
  await dlg.waitFor();
  const body = await dlg.innerText();
  assert.match(body, /2 beboere ønsker samtale\./);
  assert.doesNotMatch(body, /\(e\)/);
  await dlg.getByRole('button', { name: 'Send' }).click();
  await page.getByText(/Mandagsmailen er sendt\./).waitFor();
  assert.doesNotMatch(await mainText(page), /\(e\)/);
  const mail = await w.api.s.get(`/api/monday-mail?facility=${w.facility.id}&week=${week}`);
  const t = cph(new Date(mail.sent_at));
  const sent = `Sendt: ${t.d}. ${MONTHS[t.m - 1]} ${t.y} kl. ${t.hh}.${t.mm} af Sara Kontakt`;
  const text = await page.locator('pre.mail').innerText();
  assert.match(text, new RegExp(esc(sent)), `the mail says "${sent}"`);
  assert.doesNotMatch(text, ISO_TIME);
  assert.doesNotMatch(await mainText(page), ISO_TIME);
  await page.context().close();
});

test('item 4: a clinician opens a received Monday mail from the list and rereads the statuses', async () => {
  const page = await newPage(browser);
  await login(page, w.clinician.email);
  await go(page, '/received');
  const n = Number(week.slice(6));
  await page.getByRole('link', { name: new RegExp(`^Uge ${n}, ${week.slice(0, 4)} – ${esc(w.facility.name)}$`) }).click();
  await page.waitForFunction(() => document.querySelector('main h1') && /Mandagsmail uge/.test(document.querySelector('main h1').textContent));
  await page.waitForLoadState('networkidle');
  const text = await mainText(page);
  assert.match(text, new RegExp(`Mandagsmail uge ${n}, ${week.slice(0, 4)} – ${esc(w.facility.name)}`));
  assert.match(text, /Ønsker samtale ved næste faste besøg \(2\)/);
  assert.match(text, new RegExp(`${esc(w.sharing.name)}[\\s\\S]*Prioritet: høj[\\s\\S]*Sover dårligt; vil gerne tale om medicinen\\.`));
  assert.match(text, /Øvrige beboere \(1\)[\s\S]*Rolig uge\./);
  assert.match(text, /Sendt \d{1,2}\. [a-zæøå]+ \d{4} kl\. \d{2}\.\d{2} af Sara Kontakt/);
  assert.doesNotMatch(text, BAD_WORDS);
  await checkA11y(page, 'a received Monday mail');
  await shot(page, 'received-monday-mail');
  // back in the list the mail is read
  await page.getByRole('link', { name: /Alle modtagne mandagsmails/ }).click();
  await page.waitForFunction(() => /Modtagne mandagsmails/.test(document.querySelector('main h1')?.textContent || ''));
  assert.equal(await page.locator('main [aria-current=page]').count(), 0);
  assert.equal(await page.locator('#nav a[aria-current=page]').innerText(), 'Mandagsmails');
  await page.context().close();
});

for (const [label, viewport] of [['laptop', { width: 1280, height: 800 }], ['tablet', { width: 820, height: 1180 }]]) {
  test(`item 1: the consent lines of an agenda card fit the card (${label})`, async () => {
    const page = await newPage(browser, { viewport, touch: label === 'tablet' });
    await login(page, w.clinician.email);
    await go(page, '/today');
    const cards = page.locator('.resident-card');
    assert.ok(await cards.count() >= 2, 'the residents asking for a talk are on the agenda');
    const consent = cards.filter({ hasText: w.sharing.name }).locator('dd').filter({ hasText: 'Resuméer må deles med botilbuddet' });
    assert.match(await consent.innerText(), /Resuméer må deles med botilbuddet: Givet[\s\S]*Pårørende må deltage: Ikke spurgt[\s\S]*Samarbejdspartnere må deltage: Ikke spurgt/);
    const out = await page.evaluate(() => {
      const bad = [];
      for (const card of document.querySelectorAll('.resident-card')) {
        const c = card.getBoundingClientRect();
        for (const el of card.querySelectorAll('*')) {
          if (el.closest('.visually-hidden')) continue; // for screen readers only, clipped by design
          const r = el.getBoundingClientRect();
          if (!r.width) continue;
          if (r.right > c.right + 0.5 || r.left < c.left - 0.5) bad.push(`${el.tagName} "${el.textContent.slice(0, 30)}" runs past the card`);
          if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') bad.push(`${el.tagName} "${el.textContent.slice(0, 30)}" is cut off`);
        }
      }
      return bad;
    });
    assert.deepEqual(out, []);
    await shot(page, `today-agenda-${label}`);
    await page.context().close();
  });
}

test('item 10: the "Ønsker samtale" badge goes once the requested talk is held', async () => {
  const page = await newPage(browser);
  await login(page, w.clinician.email);
  await go(page, `/residents/${w.privateR.id}`);
  const badge = page.locator('main .badges').first().getByText('Ønsker samtale (mandagsmail)');
  assert.equal(await badge.count(), 1, 'the Monday mail asked for a talk');
  await go(page, '/board');
  assert.match(await page.locator('li.card', { hasText: w.privateR.name }).innerText(), /Ønsker samtale/);
  // the talk is held (after the mail was sent)
  await w.api.c.post('/api/conversations', { resident_id: w.privateR.id, occurred_at: new Date().toISOString(), kind: 'fixed_visit', outcome: 'held', contact_person_present: true, summary: 'Talte om flytning.' });
  await go(page, `/residents/${w.privateR.id}`);
  assert.equal(await page.locator('main .badges').first().getByText('Ønsker samtale').count(), 0, 'no badge once the talk is held');
  await go(page, '/board');
  assert.equal(await page.locator('li.card', { hasText: w.privateR.name }).count(), 0, 'off the board (only there for the talk)');
  // the other resident's talk is not held yet: still asked for
  await go(page, `/residents/${w.sharing.id}`);
  assert.equal(await page.locator('main .badges').first().getByText('Ønsker samtale (mandagsmail)').count(), 1);
  // the facility's own view follows the same rule
  const staff = await newPage(browser);
  await login(staff, w.staff.email);
  await go(staff, `/residents/${w.privateR.id}`);
  assert.equal(await staff.locator('main .badges').first().getByText('Ønsker samtale').count(), 0);
  await go(staff, `/residents/${w.sharing.id}`);
  assert.equal(await staff.locator('main .badges').first().getByText('Ønsker samtale (mandagsmail)').count(), 1);
  await staff.context().close();
  await page.context().close();
});

test('item 9 and 13: a hidden summary says why — not given, withdrawn since, expired — with an SVG lock', async () => {
  // withdrawn today by the team
  await w.api.c.post(`/api/residents/${w.sharing.id}/consents`, { kind: 'share_summary_with_facility', granted: false });
  const page = await newPage(browser);
  await login(page, w.staff.email);
  await go(page, `/residents/${w.privateR.id}`);
  let reason = page.locator('.hidden-reason').first();
  assert.match(await reason.innerText(), /^\s*Resuméet er skjult: beboeren har ikke givet samtykke til, at resuméer deles med botilbuddet\.$/);
  assert.equal(await reason.locator('svg').count(), 1, 'the lock is an inline SVG icon');
  assert.doesNotMatch(await reason.innerText(), /🔒/);
  await go(page, `/residents/${w.sharing.id}`);
  const convs = await w.api.s.get(`/api/residents/${w.sharing.id}/conversations`);
  assert.equal(convs.items[0].summary_consent_state, 'withdrawn');
  reason = page.locator('.hidden-reason').first();
  assert.match(await reason.innerText(), new RegExp(`Resuméet er skjult: beboeren trak sit samtykke til, at resuméer deles med botilbuddet, tilbage den ${esc(longDay(convs.items[0].summary_hidden_since))}\\.`));
  await checkA11y(page, 'resident with a withdrawn consent (facility)');
  // expired: the demo's Emil Gregersen, whose consent ran until ten days ago
  const p2 = await newPage(browser);
  await login(p2, 'staff@engen.demo');
  const emil = '40000000-0000-4000-8000-000000000005';
  const api = await apiLogin('staff@engen.demo');
  const ec = await api.get(`/api/residents/${emil}/conversations?limit=5`);
  const hidden = ec.items.find((x) => x.summary_hidden_reason === 'no_consent');
  assert.ok(hidden, 'Emil has a conversation whose summary the facility cannot read');
  assert.equal(hidden.summary_consent_state, 'expired');
  await go(p2, `/residents/${emil}`);
  assert.match(await p2.locator('.hidden-reason').first().innerText(), new RegExp(`samtykke til, at resuméer deles med botilbuddet, er udløbet \\(det gjaldt til og med ${esc(longDay(hidden.summary_hidden_since))}\\)\\.`));
  // and in English
  await p2.getByRole('button', { name: 'Switch to English' }).click();
  await p2.waitForFunction(() => /^\s*The summary is hidden/.test(document.querySelector('.hidden-reason')?.textContent || ''));
  assert.match(await p2.locator('.hidden-reason').first().innerText(), /The summary is hidden: the resident's consent to sharing summaries with the facility has expired \(it was valid until \d{1,2} [A-Z][a-z]+ \d{4}\)\./);
  await p2.getByRole('button', { name: 'Skift til dansk' }).click();
  await p2.context().close();
  await page.context().close();
});

test('item 6: facility staff see no empty "Intensitet" box; the team sees it', async () => {
  const page = await newPage(browser);
  await login(page, w.staff.email);
  await go(page, `/residents/${w.risky.id}`);
  assert.equal(await page.getByRole('heading', { name: 'Intensitet', level: 2 }).count(), 0);
  for (const sec of await page.locator('main section.card').all()) {
    const t = (await sec.innerText()).trim();
    assert.ok(t.split('\n').filter((x) => x.trim()).length > 1, `a section with only its heading: "${t}"`);
  }
  const clin = await newPage(browser);
  await login(clin, w.clinician.email);
  await go(clin, `/residents/${w.risky.id}`);
  assert.equal(await clin.getByRole('heading', { name: 'Intensitet', level: 2 }).count(), 1);
  await clin.context().close();
  await page.context().close();
});

test('item 2 and 13: no page shows null, undefined, NaN or ISO times; the agreement (and its print) neither; times 09.00', async () => {
  const pages = {
    [w.rmanager.email]: ['/agreements', `/agreements/${w.agreementId}`, '/board', '/residents', `/residents/${w.risky.id}`, `/residents/${w.risky.id}/consents`, `/residents/${w.risky.id}/kip`, '/received', '/calendar', '/meetings', '/wheel', '/reports/admissions', '/reports/attendance', `/agreements/${w.agreementId}/edit`],
    [w.staff.email]: ['/mine', `/monday-mail?week=${week}`, `/monday-mail/preview?week=${week}`, '/admissions', `/residents/${w.sharing.id}`, '/calendar', `/agreements/${w.agreementId}`],
    [w.clinician.email]: ['/today', '/board', `/log/${w.risky.id}`, `/residents/${w.sharing.id}`, '/received'],
  };
  for (const [email, paths] of Object.entries(pages)) {
    const page = await newPage(browser);
    await login(page, email);
    for (const path of paths) {
      await go(page, path);
      const text = await page.locator('body').innerText();
      assert.doesNotMatch(text, BAD_WORDS, `${email} ${path}`);
      assert.doesNotMatch(text, ISO_TIME, `${email} ${path}`);
    }
    assert.deepEqual(page.errors, []);
    await page.context().close();
  }
  const page = await newPage(browser);
  await login(page, w.fmanager.email);
  await go(page, `/agreements/${w.agreementId}`);
  let text = await mainText(page);
  const h1 = await page.locator('main h1').innerText();
  assert.match(text, new RegExp(`^${esc(h1)}\\n+(?!null)`), 'nothing (no "null") under the title');
  assert.doesNotMatch(text, BAD_WORDS);
  assert.match(text, /Fast tilstedeværelse\s+Hver uge, onsdag 09\.00–12\.00/);
  assert.doesNotMatch(text, /\d{2}:\d{2}/, 'times are written 09.00');
  assert.doesNotMatch(text, /\([^()]*\(/, 'no nested brackets');
  await page.emulateMedia({ media: 'print' });
  text = await page.locator('body').innerText();
  assert.doesNotMatch(text, BAD_WORDS, 'the printed agreement');
  assert.match(text, /09\.00–12\.00/);
  await page.emulateMedia({ media: 'screen' });
  await go(page, `/agreements/${w.agreementId}/edit`);
  for (const o of await page.locator('select option').allInnerTexts()) assert.doesNotMatch(o, /\([^()]*\(/, `nested brackets in "${o}"`);
  assert.ok((await page.locator('select option').allInnerTexts()).includes('Sara Kontakt (Kontaktperson, botilbud)'));
  await page.context().close();
});

test('item 13: the facility manager has one "Indlæggelser" in the menu, with the report from it', async () => {
  const page = await newPage(browser);
  await login(page, w.fmanager.email);
  const items = await page.locator('#nav a').allInnerTexts();
  assert.equal(items.filter((x) => /^Indlæggelse/.test(x)).length, 1, items.join(', '));
  assert.ok(!items.includes('Indlæggelsesrapport'));
  await page.locator('#nav a', { hasText: 'Indlæggelser' }).click();
  await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Indlæggelser');
  await page.getByRole('link', { name: 'Rapport: indlæggelser over tid' }).click();
  await page.waitForFunction(() => location.hash.startsWith('#/reports/admissions') && !document.querySelector('main[aria-busy]'));
  assert.equal(await page.locator('#nav a[aria-current=page]').innerText(), 'Indlæggelser');
  await page.context().close();
});

test('item 13: the calendar names a meeting by kind and title (not in "Note"); the weeks share column widths', async () => {
  const page = await newPage(browser);
  await login(page, w.rmanager.email);
  // a meeting in a week with visits, and more weeks in the window
  const day = new Date(Date.now() + 7 * 86400e3);
  await w.api.rm.post('/api/meetings', { kind: 'theme', title: 'Tema: søvn', team_id: w.team.id, facility_id: w.facility.id, starts_at: new Date(day.setUTCHours(12, 0, 0, 0)).toISOString(), ends_at: new Date(day.setUTCHours(13, 0, 0, 0)).toISOString(), participants: [] }).catch(async () => {
    await w.api.rm.post('/api/meetings', { kind: 'theme', title: 'Tema: søvn', team_id: w.team.id, facility_id: w.facility.id, starts_at: new Date(day.setUTCHours(12, 0, 0, 0)).toISOString(), ends_at: new Date(day.setUTCHours(13, 0, 0, 0)).toISOString(), participants: [{ kind: 'staff', side: 'region', user_id: w.rmanager.id }] });
  });
  await go(page, '/calendar');
  const row = page.locator('tbody tr', { hasText: 'Tema: søvn' });
  const cells = await row.locator('th, td').allInnerTexts();
  assert.match(cells[2], /^Temamøde: Tema: søvn$/, 'kind and title in the "Hvad" column');
  assert.equal(cells[4].trim(), '', 'the note column is the visits\' note, not the meeting title');
  const tables = page.locator('table.calendar-week');
  assert.ok(await tables.count() >= 2, 'several weeks');
  const lefts = await tables.evaluateAll((ts) => ts.map((t) => [...t.querySelectorAll('thead th')].map((th) => Math.round(th.getBoundingClientRect().left))));
  for (const l of lefts) assert.deepEqual(l, lefts[0], 'every week has the same columns');
  await checkA11y(page, 'calendar');
  await page.context().close();
});

test('item 11: the demo data is in Danish', async () => {
  const page = await newPage(browser);
  await login(page, 'clinician@slagelse.demo');
  const ENGLISH = /Mood steady|Threatening behaviour|Steady daily rhythm|Joint summer lunch|Talked about|Network meeting|Theme:|Teaching:|Contact person|Morning walk|Have a job|(mother)/;
  for (const path of ['/residents/40000000-0000-4000-8000-000000000001', '/residents/40000000-0000-4000-8000-000000000001/kip', '/residents/40000000-0000-4000-8000-000000000003', '/residents/40000000-0000-4000-8000-000000000004', '/board']) {
    await go(page, path);
    assert.doesNotMatch(await mainText(page), ENGLISH, path);
  }
  // the meetings list also holds what the C integration tests created in the same database
  // (English titles such as "Network meeting" in 2030): the demo's own titles are checked
  await go(page, '/meetings');
  const OLD_DEMO_MEETINGS = /Joint summer lunch|Teaching: antipsychotic|Teaching: de-escalation|Teaching: the KIP|Theme: early signs|Theme: relatives|Theme: substance use|Theme: the year/;
  assert.doesNotMatch(await mainText(page), OLD_DEMO_MEETINGS, '/meetings');
  await go(page, '/residents/40000000-0000-4000-8000-000000000001/kip');
  assert.match(await mainText(page), /Fast døgnrytme/);
  await go(page, '/residents/40000000-0000-4000-8000-000000000003');
  assert.match(await mainText(page), /Truende adfærd, når han er urolig/);
  const meetings = (await (await apiLogin('clinician@slagelse.demo')).get('/api/meetings?limit=100')).items.map((m) => m.title);
  assert.ok(meetings.includes('Fælles sommerfrokost'), meetings.join(', '));
  const demoNetwork = await (await apiLogin('clinician@slagelse.demo')).get('/api/meetings/61000000-0000-4000-8000-000000000001');
  assert.equal(demoNetwork.title, 'Netværksmøde');
  assert.ok(!meetings.some((t) => OLD_DEMO_MEETINGS.test(t)), meetings.join(', '));
  await page.context().close();
});

test('item 12: date and time fields read dd.mm.åååå and 24-hour time in an English browser', async () => {
  const ctx = await browser.newContext({ timezoneId: 'Europe/Copenhagen', locale: 'en-US', viewport: { width: 1180, height: 900 } });
  const page = await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.setDefaultTimeout(15000);
  await login(page, w.clinician.email);
  await go(page, '/calendar');
  assert.equal(await page.locator('input[type=date], input[type=time], input[type=datetime-local]').count(), 0, 'no native date or time inputs (they follow the browser locale)');
  await page.getByText('Nyt ekstra-, hjemme-, telefon- eller videobesøg').click();
  const start = page.getByLabel(/^Start/);
  assert.match(await start.inputValue(), /^\d{2}\.\d{2}\.\d{4} \d{2}\.\d{2}$/);
  assert.match(await page.locator('#' + await start.getAttribute('aria-describedby').then((x) => x.split(' ').pop())).innerText(), /dd\.mm\.åååå tt\.mm/);
  // typed the Danish way, 24 hours, with the keyboard
  const day = new Date(Date.now() + 9 * 86400e3);
  const p = (x) => String(x).padStart(2, '0');
  const typed = `${p(day.getDate())}.${p(day.getMonth() + 1)}.${day.getFullYear()}`;
  await start.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(`${typed} 21.30`);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.closest('[data-field]')?.dataset.field), 'ends_at', 'Tab goes on to the end field');
  await page.getByLabel(/^Slut/).fill(`${typed} 2`);
  await page.getByLabel(/^Note \(ingen/).fill('Aftentelefon');
  await page.getByLabel('Type').selectOption('phone');
  // a wrong date is said by the field, in the same pattern
  await page.getByLabel(/^Slut/).fill('31.02.2026 10.00');
  await page.getByRole('button', { name: 'Opret besøg' }).click();
  await page.getByText('Skriv dato og tid som dd.mm.åååå tt.mm, fx 25.11.2026 09.30.').waitFor();
  assert.equal(await page.getByLabel(/^Slut/).getAttribute('aria-invalid'), 'true');
  await checkA11y(page, 'calendar form with a wrong date (English browser)');
  await page.getByLabel(/^Slut/).fill(`${typed} 22.45`);
  await page.getByRole('button', { name: 'Opret besøg' }).click();
  await page.getByText(/Telefon er oprettet/).waitFor();
  const row = page.locator('tbody tr', { hasText: 'Aftentelefon' });
  assert.match(await row.innerText(), new RegExp(`${esc(typed)}[\\s\\S]*21\\.30–22\\.45`));
  // the next save that fails is not answered by the last one's "oprettet" above it
  await page.getByText('Nyt ekstra-, hjemme-, telefon- eller videobesøg').click();
  await page.getByLabel(/^Slut/).fill('31.02.2026 10.00');
  await page.getByRole('button', { name: 'Opret besøg' }).click();
  await page.getByText('Skriv dato og tid som dd.mm.åååå tt.mm, fx 25.11.2026 09.30.').waitFor();
  assert.equal(await page.getByText(/Telefon er oprettet/).count(), 0, 'the message about the earlier save is gone');
  // the agreement form: times 09.00, dates dd.mm.åååå
  await ctx.close();
  const ctx2 = await browser.newContext({ timezoneId: 'Europe/Copenhagen', locale: 'en-US', viewport: { width: 1180, height: 900 } });
  const m = await ctx2.newPage();
  m.setDefaultTimeout(15000);
  await login(m, w.rmanager.email);
  await go(m, '/agreements/new');
  assert.equal(await m.getByLabel('Fra kl.').inputValue(), '09.00');
  assert.equal(await m.getByLabel('Til kl.').inputValue(), '12.00');
  assert.match(await m.getByLabel('Gyldig fra').inputValue(), /^\d{2}\.\d{2}\.\d{4}$/);
  await m.getByLabel('Fra kl.').fill('8.3');
  await m.getByLabel('Til kl.').focus();
  assert.equal(await m.getByLabel('Fra kl.').inputValue(), '8.3', 'not a time: left as typed');
  await m.getByLabel('Fra kl.').fill('830');
  await m.getByLabel('Til kl.').focus();
  assert.equal(await m.getByLabel('Fra kl.').inputValue(), '08.30', 'shown the one way once typed');
  await checkA11y(m, 'new agreement (English browser)');
  await ctx2.close();
  assert.deepEqual(page.errors, []);
});
