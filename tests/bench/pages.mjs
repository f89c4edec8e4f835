// Every screen's requests, timed: walks the requests each main page of static/ makes, as the
// role that uses it, one after the other (as a browser does), and prints the median and the
// maximum of each. No assertions on speed: it fails only when a request does not answer 200.
//
// Usage: node tests/bench/pages.mjs BASE_URL SCALE OUT_DIR [RUNS] [WARMUPS]
//   writes OUT_DIR/pages-SCALE.json and prints a table; when OUT_DIR holds the other scale's
//   file too, the table shows both side by side (small vs region).
// Node 18 or later (global fetch); no packages.
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [base, scale = 'small', outDir = '.', runsArg = '20', warmArg = '3'] = process.argv.slice(2);
if (!base) {
  console.error('usage: node pages.mjs BASE_URL SCALE OUT_DIR [RUNS] [WARMUPS]');
  process.exit(2);
}
const RUNS = Number(runsArg);
const WARMUPS = Number(warmArg);

async function login(email) {
  const r = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: base },
    body: JSON.stringify({ email, password: 'demo-password' }),
  });
  if (r.status !== 200) throw new Error(`log-in as ${email}: ${r.status} ${await r.text()}`);
  const j = await r.json();
  if (!j.token) throw new Error(`log-in as ${email}: no token`);
  return j.token;
}

async function get(token, path, ok = [200]) {
  const t0 = process.hrtime.bigint();
  const r = await fetch(base + path, { headers: { Authorization: `Bearer ${token}` } });
  const body = await r.text();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!ok.includes(r.status)) throw new Error(`GET ${path}: ${r.status} ${body.slice(0, 300)}`);
  return { ms, json: body.startsWith('{') || body.startsWith('[') ? JSON.parse(body) : null };
}

/** All pages of a list, as static/js/views/common.js all() does. */
async function pages(token, path) {
  let url = path;
  let total = 0;
  let items = [];
  for (let i = 0; i < 50; i++) {
    const { ms, json } = await get(token, url);
    total += ms;
    items = items.concat(json.items || []);
    if (!json.next) break;
    url = `${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(json.next)}`;
  }
  return { ms: total, json: { items } };
}

function isoWeek(d = new Date()) {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const y = t.getUTCFullYear();
  const w = Math.ceil(((t - Date.UTC(y, 0, 1)) / 86400000 + 1) / 7);
  return `${y}-W${String(w).padStart(2, '0')}`;
}
const today = new Date().toISOString().slice(0, 10);
const in4w = new Date(Date.now() + 28 * 86400000).toISOString().slice(0, 10);
const yearAgo = new Date(Date.now() - 365 * 86400000).toISOString().slice(0, 10);

const who = {
  clinician: await login('clinician@slagelse.demo'),
  regionManager: await login('manager@slagelse.demo'),
  staff: await login('staff@engen.demo'),
  facilityManager: await login('manager@engen.demo'),
};

// Ids the pages would have on screen.
const me = (await get(who.staff, '/api/me')).json;
const staffId = me.id || me.user?.id;
const caseload = (await get(who.clinician, '/api/residents?status=active&limit=50')).json.items;
const resident = caseload.find((r) => r.facility_id === '20000000-0000-4000-8000-000000000001') || caseload[0];
const facility = resident.facility_id;
// a resident with a KIP, for the KIP page (a third of them have one)
let kipResident = resident;
for (const r of caseload) {
  if ((await fetch(`${base}/api/residents/${r.id}/kip`, { headers: { Authorization: `Bearer ${who.clinician}` } })).status === 200) {
    kipResident = r;
    break;
  }
}
const week = isoWeek();

// [page, role, label, path, paged, statuses the page takes as an answer (default 200)]
const walk = [
  ['today\'s visit', 'clinician', 'GET /api/me', '/api/me'],
  ['today\'s visit', 'clinician', 'GET /api/visits?from=today&limit=50', `/api/visits?from=${today}&limit=50`],
  ['today\'s visit', 'clinician', 'GET /api/residents?status=active&limit=200 (all pages)', '/api/residents?status=active&limit=200', true],
  // 404 until the facility has sent this week's mail (the page says so)
  ['today\'s visit', 'clinician', 'GET /api/monday-mail?facility&week', `/api/monday-mail?facility=${facility}&week=${week}`, false, [200, 404]],
  ['today\'s visit', 'clinician', 'GET /api/residents/{id}/consents', `/api/residents/${resident.id}/consents`],
  ['caseload', 'clinician', 'GET /api/residents?limit=50 (first page)', '/api/residents?status=active&limit=50'],
  ['board', 'clinician', 'GET /api/board?limit=200 (all pages)', '/api/board?limit=200', true],
  ['resident', 'clinician', 'GET /api/residents/{id}', `/api/residents/${resident.id}`],
  ['resident', 'clinician', 'GET /api/residents/{id}/conversations?limit=50', `/api/residents/${resident.id}/conversations?limit=50`],
  ['resident', 'clinician', 'GET /api/residents/{id}/intensity', `/api/residents/${resident.id}/intensity`],
  ['resident', 'clinician', 'GET /api/residents/{id}/admissions', `/api/residents/${resident.id}/admissions`],
  ['KIP', 'clinician', 'GET /api/residents/{id}/kip', `/api/residents/${kipResident.id}/kip`, false, [200, 404]],
  ['KIP', 'clinician', 'GET /api/residents/{id}/kip/versions', `/api/residents/${kipResident.id}/kip/versions`],
  ['KIP', 'clinician', 'GET /api/residents/{id}/kip/reviews', `/api/residents/${kipResident.id}/kip/reviews`],
  ['calendar', 'clinician', 'GET /api/visits?from&to&limit=200 (4 weeks)', `/api/visits?from=${today}&to=${in4w}&limit=200`, true],
  ['calendar', 'clinician', 'GET /api/meetings?kind=network&from&to', `/api/meetings?kind=network&from=${today}&to=${in4w}&limit=100`, true],
  ['received mails', 'clinician', 'GET /api/monday-mail/received?limit=100', '/api/monday-mail/received?limit=100'],
  ['colleagues', 'clinician', 'GET /api/colleagues?limit=200', '/api/colleagues?limit=200', true],
  ['my residents', 'staff', 'GET /api/residents?contact_person_id=me', `/api/residents?contact_person_id=${staffId}&status=active&limit=200`, true],
  ['my residents', 'staff', 'GET /api/residents/{id}/conversations?limit=1', `/api/residents/${resident.id}/conversations?limit=1`],
  ['Monday mail', 'staff', 'GET /api/monday-mail?facility&week', `/api/monday-mail?facility=${facility}&week=${week}`],
  ['Monday mail', 'staff', 'GET /api/residents?status=active&limit=200', '/api/residents?status=active&limit=200', true],
  ['admissions', 'staff', 'GET /api/admissions?limit=100', '/api/admissions?limit=100'],
  ['agreements', 'regionManager', 'GET /api/agreements?limit=100', '/api/agreements?limit=100', true],
  ['agreements', 'regionManager', 'GET /api/reports/agreements', '/api/reports/agreements'],
  ['agreements', 'regionManager', 'GET /api/meetings?kind=management&from=today', `/api/meetings?kind=management&from=${today}`],
  ['reports', 'regionManager', 'GET /api/reports/admissions (default period)', '/api/reports/admissions'],
  ['reports', 'regionManager', 'GET /api/reports/admissions (one year)', `/api/reports/admissions?from=${yearAgo}&to=${today}`],
  ['reports', 'regionManager', 'GET /api/reports/attendance (one year)', `/api/reports/attendance?from=${yearAgo}&to=${today}`],
  ['audit log', 'regionManager', 'GET /api/audit?resident_id&limit=200', `/api/audit?resident_id=${resident.id}&limit=200`],
  ['audit log', 'facilityManager', 'GET /api/audit?resident_id&limit=200', `/api/audit?resident_id=${resident.id}&limit=200`],
  ['reports', 'facilityManager', 'GET /api/reports/admissions (one year)', `/api/reports/admissions?from=${yearAgo}&to=${today}`],
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

const results = [];
for (const [page, role, label, path, paged, ok] of walk) {
  const times = [];
  for (let i = 0; i < WARMUPS + RUNS; i++) {
    const { ms } = paged ? await pages(who[role], path) : await get(who[role], path, ok);
    if (i >= WARMUPS) times.push(ms);
  }
  results.push({ page, role, label, median_ms: +median(times).toFixed(2), max_ms: +Math.max(...times).toFixed(2) });
}

writeFileSync(join(outDir, `pages-${scale}.json`), JSON.stringify({ scale, at: new Date().toISOString(), runs: RUNS, results }, null, 2));

const other = scale === 'small' ? 'region' : 'small';
const otherFile = join(outDir, `pages-${other}.json`);
const prev = existsSync(otherFile) ? JSON.parse(readFileSync(otherFile, 'utf8')) : null;
const byKey = new Map((prev?.results || []).map((r) => [`${r.role}|${r.label}`, r]));
const cols = prev ? ['small', 'region'] : [scale];
console.log(`\nPer-screen requests, sequential, median (max) of ${RUNS} after ${WARMUPS} warm-ups, ms:`);
console.log(`| screen | role | request | ${cols.join(' | ')} |`);
console.log(`| --- | --- | --- | ${cols.map(() => '---:').join(' | ')} |`);
for (const r of results) {
  const o = byKey.get(`${r.role}|${r.label}`);
  const cell = (x) => (x ? `${x.median_ms.toFixed(1)} (${x.max_ms.toFixed(1)})` : '-');
  const cells = prev ? (scale === 'small' ? [cell(r), cell(o)] : [cell(o), cell(r)]) : [cell(r)];
  console.log(`| ${r.page} | ${r.role} | ${r.label} | ${cells.join(' | ')} |`);
}
