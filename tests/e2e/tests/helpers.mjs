// Shared helpers for the browser tests: Debian's chromium, log-in, axe-core, screenshots,
// and an API client (Node's fetch) to create each test's own data.
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

export const BASE = process.env.BASE_URL || 'http://127.0.0.1:8080';
export const PASSWORD = 'demo-password';
export const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'output');
mkdirSync(OUT, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function newPage(browser, opts = {}) {
  const ctx = await browser.newContext({ timezoneId: 'Europe/Copenhagen', locale: 'da-DK', viewport: opts.viewport || { width: 1180, height: 900 }, acceptDownloads: true, hasTouch: !!opts.touch });
  const page = await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.setDefaultTimeout(15000);
  return page;
}

export async function login(page, email, password = PASSWORD) {
  await page.goto(`${BASE}/#/login`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Adgangskode').fill(password);
  await page.getByRole('button', { name: 'Log ind' }).click();
  await page.waitForFunction(() => !location.hash.includes('/login'));
  await settle(page);
}

/** Goes to a route and waits for its heading. */
export async function go(page, path) {
  await page.goto(`${BASE}/#${path}`);
  await settle(page);
}

/** Waits until the page has rendered (no loading state, a heading, the network quiet). */
export async function settle(page) {
  await page.waitForFunction(() => !document.querySelector('main[aria-busy]') && document.querySelector('main h1'));
  await page.waitForLoadState('networkidle');
}

/** axe-core with the WCAG 2.0/2.1 A and AA rules: no serious or critical violations. */
export async function checkA11y(page, name) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')})`), [], `accessibility of ${name}`);
}

export async function shot(page, name) {
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
}

export function mainText(page) { return page.locator('main').innerText(); }

// ---- API (Node) for test data ----
export async function apiLogin(email, password = PASSWORD) {
  const res = await fetch(`${BASE}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: BASE }, body: JSON.stringify({ email, password }) });
  assert.equal(res.status, 200, `log-in of ${email}`);
  const cookie = (res.headers.get('set-cookie') || '').split(';')[0];
  const call = async (method, path, body, headers = {}) => {
    const r = await fetch(`${BASE}${path}`, { method, headers: { Cookie: cookie, Origin: BASE, Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers }, body: body !== undefined ? JSON.stringify(body) : undefined });
    const text = await r.text();
    let data = null; try { data = JSON.parse(text); } catch { data = text; }
    if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return { status: r.status, data, etag: (r.headers.get('etag') || '').replace(/"/g, '') };
  };
  return { call, get: (p) => call('GET', p).then((x) => x.data), post: (p, b, h) => call('POST', p, b, h).then((x) => x.data) };
}

export function isoWeek(date = new Date()) {
  // the Copenhagen day from formatToParts (a formatted string differs between ICU versions)
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Copenhagen', year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(date).map((x) => [x.type, x.value]));
  const parts = [Number(p.year), Number(p.month), Number(p.day)];
  const d = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const y = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  return `${d.getUTCFullYear()}-W${String(Math.ceil(((d - y) / 86400000 + 1) / 7)).padStart(2, '0')}`;
}

/**
 * A fresh team and facility with their own people, three residents (one with a safety risk,
 * one who refuses to share summaries, one who consents) and a signed agreement, so a test
 * can change data without touching the demo data or other tests.
 */
export async function makeWorld(tag) {
  const u = `${tag}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  const admin = await apiLogin('admin@samspil.demo');
  const team = await admin.post('/api/organizations', { kind: 'team', name: `F-ACT Test ${u}`, authority: 'Region Test' });
  const facility = await admin.post('/api/organizations', { kind: 'facility', name: `Botilbud Test ${u}`, authority: 'Testkommune', serving_team_id: team.id });
  const mk = (role, org, name) => admin.post('/api/users', { email: `${role}.${u}@test.demo`, name, role, org_id: org.id, password: PASSWORD });
  const clinician = await mk('region_clinician', team, 'Karen Klinik');
  const rmanager = await mk('region_manager', team, 'Rasmus Regionsleder');
  const staff = await mk('facility_staff', facility, 'Sara Kontakt');
  const fmanager = await mk('facility_manager', facility, 'Frida Forstander');
  const c = await apiLogin(clinician.email);
  const res = async (name, dob) => c.post('/api/residents', { name, date_of_birth: dob, facility_id: facility.id, contact_person_id: staff.id, responsible_clinician_id: clinician.id });
  const risky = await res(`Rikke Risiko ${u}`, '1985-02-03');
  const privateR = await res(`Peter Privat ${u}`, '1979-07-08');
  const sharing = await res(`Dorte Deler ${u}`, '1990-10-11');
  const r0 = await c.call('GET', `/api/residents/${risky.id}`);
  await c.call('PATCH', `/api/residents/${risky.id}`, { safety_risk: true, safety_note: 'Truende adfærd ved sidste besøg' }, { 'If-Match': `"${r0.etag || r0.data.version}"` });
  await c.post(`/api/residents/${privateR.id}/consents`, { kind: 'share_summary_with_facility', granted: false, scope_note: 'Ønsker ikke deling' });
  await c.post(`/api/residents/${sharing.id}/consents`, { kind: 'share_summary_with_facility', granted: true });
  // a signed agreement, so the fixed visits are in the calendar
  const rm = await apiLogin(rmanager.email);
  const fm = await apiLogin(fmanager.email);
  const today = new Date().toISOString().slice(0, 10);
  const next = `${Number(today.slice(0, 4)) + 1}${today.slice(4)}`;
  const ag = await rm.call('POST', '/api/agreements', { team_id: team.id, facility_id: facility.id, purpose: 'Fælles indsats', presence_every_weeks: 1, presence_weekday: 3, presence_start: '09:00', presence_end: '12:00', management_every_months: 6, monday_mail_agreed: true, valid_from: today, valid_to: next });
  const sub = await rm.call('POST', `/api/agreements/${ag.data.id}/submit`, undefined, { 'If-Match': `"${ag.data.version}"` });
  await rm.post(`/api/agreements/${ag.data.id}/sign`, { side: 'team' });
  await fm.post(`/api/agreements/${ag.data.id}/sign`, { side: 'facility' });
  return { u, team, facility, clinician, rmanager, staff, fmanager, risky, privateR, sharing, agreementId: ag.data.id, api: { admin, c, rm, fm } };
}
