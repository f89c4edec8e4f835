// The rest: received Monday mails, visit calendar, meetings with minutes, the annual wheel.
import { api, get, request, ApiError } from '../api.js';
import { L, fmtDate, fmtTime, fmtDateTime, weekdayName, todayISO, nowLocalInput, localInputToISO, isoToLocalInput, monthLabel } from '../i18n.js';
import { h, field, bindForm, empty, section, link, badge, table, staleDiff, confirmDialog } from '../dom.js';
import { navigate } from '../app.js';
import { lbl, VISIT_STATUS, MEETING_KIND, all, takeFlash, setFlash } from './common.js';

export async function receivedView() {
  const items = await all('/api/monday-mail/received?limit=100');
  const wrap = h('div', h('h1', L('Modtagne mandagsmails', 'Received Monday mails')));
  if (!items.length) { wrap.append(empty(L('Der er ikke modtaget nogen mandagsmails endnu.', 'No Monday mails received yet.'))); return wrap; }
  wrap.append(table(L('Mandagsmails', 'Monday mails'), [L('Uge', 'Week'), L('Botilbud', 'Facility'), L('Sendt', 'Sent'), L('Ønsker samtale', 'Talks requested'), L('Status', 'Status')],
    items.map((m) => [`${L('Uge', 'Week')} ${Number(m.week.slice(6))}, ${m.week.slice(0, 4)}`, m.facility_name, `${fmtDateTime(m.sent_at)} (${m.sent_by_name})`, String(m.talk_count), m.new ? badge(L('Ny', 'New'), 'flag') : L('Læst', 'Read')]), { rowHeader: true, hideCaption: true }));
  return wrap;
}

const VISIT_KIND = {
  fixed: ['Fast tilstedeværelse', 'Fixed presence'], extra: ['Ekstra besøg', 'Extra visit'],
  home: ['Hjemmebesøg', 'Home visit'], phone: ['Telefon', 'Phone'], video: ['Video', 'Video'],
};

/** The partner organisations of the caller's own (id, name), read from agreements and residents. */
export async function partnerOrgs(me) {
  const [agreements, residents] = await Promise.all([all('/api/agreements?limit=100').catch(() => []), all('/api/residents?limit=200').catch(() => [])]);
  const m = new Map();
  const region = me.role === 'region_clinician' || me.role === 'region_manager';
  for (const x of [...agreements, ...residents]) {
    if (region) { if (x.facility_id) m.set(x.facility_id, x.facility_name); } else if (x.team_id) m.set(x.team_id, x.team_name);
  }
  return [...m.entries()].filter(([id, name]) => id && name);
}

function visitWhen(v) { return `${weekdayName(v.starts_at)} ${fmtDate(v.starts_at)}, ${fmtTime(v.starts_at)}–${fmtTime(v.ends_at)}`; }

/** Move or cancel one planned visit: a small form behind a disclosure, with If-Match. */
function visitChange(v) {
  let version = v.version;
  const form = h('form.visit-change', { action: '#' },
    h('div.grid2',
      field('starts_at', L('Ny start', 'New start'), { kind: 'datetime-local', required: true, value: isoToLocalInput(v.starts_at) }),
      field('ends_at', L('Ny slut', 'New end'), { kind: 'datetime-local', required: true, value: isoToLocalInput(v.ends_at) })),
    field('note', L('Note', 'Note'), { value: v.note || '' }),
    h('div.actions',
      h('button.btn-primary', { type: 'submit', name: 'move', value: '1' }, L('Flyt besøget', 'Move the visit')),
      h('button.btn-danger', { type: 'submit', name: 'cancel', value: '1' }, L('Aflys besøget', 'Cancel the visit'))));
  bindForm(form, `visit:${v.id}`, async (x, idem, btn) => {
    const cancel = btn && btn.name === 'cancel';
    if (cancel && !(await confirmDialog({ title: L('Aflys besøget?', 'Cancel the visit?'), body: `${visitWhen(v)}. ${L('Besøget bliver stående i kalenderen som aflyst.', 'The visit stays in the calendar as cancelled.')}`, confirm: L('Aflys besøget', 'Cancel the visit'), cancel: L('Behold besøget', 'Keep the visit'), danger: true }))) return;
    const body = cancel ? { status: 'cancelled' } : { starts_at: localInputToISO(x.starts_at), ends_at: localInputToISO(x.ends_at) };
    if ((x.note || '') !== (v.note || '')) body.note = x.note;
    await api.patch(`/api/visits/${v.id}`, body, { ifMatch: version });
    setFlash(cancel ? `${L('Besøget er aflyst', 'The visit is cancelled')}: ${visitWhen(v)}.` : L('Besøget er flyttet.', 'The visit is moved.'));
    navigate(`/calendar?t=${Date.now()}`);
  }, {
    describeStale: (cur) => {
      version = cur.version; // the next save builds on what the other person saved
      return h('div.stale', h('p', `${L('Besøget er nu', 'The visit is now')}: `, h('strong', `${visitWhen(cur)} · ${lbl(VISIT_STATUS, cur.status)}`), cur.note ? ` · ${cur.note}` : ''),
        h('p', L('Dine ændringer står stadig i felterne. Gem igen, hvis de stadig skal gælde.', 'Your changes are still in the fields. Save again if they should still apply.')));
    },
  });
  return h('details.visit-edit', h('summary', L('Flyt eller aflys', 'Move or cancel'), h('span.visually-hidden', ` ${visitWhen(v)}`)), form);
}

export async function calendarView({ me }) {
  const from = todayISO();
  const [visits, meetings, orgs] = await Promise.all([
    all(`/api/visits?from=${from}&limit=200`, 2),
    Promise.all(['management', 'theme', 'teaching', 'other'].map((k) => all(`/api/meetings?kind=${k}&from=${from}&limit=100`, 2).catch(() => []))).then((x) => x.flat()),
    me.role === 'region_clinician' || me.role === 'region_manager' ? partnerOrgs(me) : Promise.resolve([])]);
  const wrap = h('div', h('h1', L('Besøgskalender', 'Visit calendar')), takeFlash(),
    h('p', L('Besøg og fælles møder fra i dag. Abonnér på kalenderen i Outlook fra aftalens side.', 'Visits and joint meetings from today. Subscribe in Outlook from the agreement page.'), ' ', link('#/agreements', L('Til aftalerne', 'To the agreements'))));
  const region = me.role === 'region_clinician' || me.role === 'region_manager';
  const start = new Date(Date.now() + 86400000); start.setHours(10, 0, 0, 0);
  const form = h('form', { action: '#' },
    h('div.grid2',
      field('kind', L('Type', 'Kind'), { kind: 'select', options: ['extra', 'home', 'phone', 'video'].map((k) => [k, lbl(VISIT_KIND, k)]) }),
      region ? field('facility_id', L('Botilbud', 'Facility'), { kind: 'select', required: true, options: orgs.length === 1 ? orgs : [['', L('Vælg', 'Choose')], ...orgs] }) : null,
      field('starts_at', L('Start', 'Start'), { kind: 'datetime-local', required: true, value: nowLocalInput(start) }),
      field('ends_at', L('Slut', 'End'), { kind: 'datetime-local', required: true, value: nowLocalInput(new Date(start.getTime() + 3600000)) })),
    field('note', L('Note (ingen beboeroplysninger – den vises i kalenderabonnementet)', 'Note (no resident details – it shows in the calendar subscription)'), { }),
    h('div.actions', h('button.btn-primary', { type: 'submit' }, L('Opret besøg', 'Create visit'))));
  bindForm(form, 'visit:new', async (x, idem) => {
    const body = { kind: x.kind, starts_at: localInputToISO(x.starts_at), ends_at: localInputToISO(x.ends_at) };
    if (x.note) body.note = x.note;
    if (region) body.facility_id = x.facility_id;
    await api.post('/api/visits', body, { idem });
    setFlash(`${lbl(VISIT_KIND, x.kind)} ${L('er oprettet', 'is created')}: ${fmtDateTime(body.starts_at)}.`);
    navigate(`/calendar?t=${Date.now()}`);
  });
  const newSec = h('details.card.new-visit', h('summary', h('span.h3', L('Nyt ekstra-, hjemme-, telefon- eller videobesøg', 'New extra, home, phone or video visit'))), form);
  wrap.append(newSec);
  const rows = [
    ...visits.map((v) => ({ at: v.starts_at, v })),
    ...meetings.map((m) => ({ at: m.starts_at, m })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  if (!rows.length) { wrap.append(empty(L('Ingen planlagte besøg eller møder. Opret et besøg ovenfor, eller lav en samarbejdsaftale, så de faste besøg kommer i kalenderen.', 'No planned visits or meetings. Create a visit above, or make an agreement so the fixed visits come into the calendar.'))); return wrap; }
  wrap.append(table(L('Kalender', 'Calendar'), [L('Dag', 'Day'), L('Tid', 'Time'), L('Type', 'Kind'), L('Status', 'Status'), L('Note', 'Note'), L('Handling', 'Action')],
    rows.map(({ v, m }) => (v
      ? [`${weekdayName(v.starts_at)} ${fmtDate(v.starts_at)}`, `${fmtTime(v.starts_at)}–${fmtTime(v.ends_at)}`, lbl(VISIT_KIND, v.kind), v.status === 'cancelled' ? badge(lbl(VISIT_STATUS, v.status), 'danger') : lbl(VISIT_STATUS, v.status), v.note || '', v.status === 'planned' ? visitChange(v) : '']
      : [`${weekdayName(m.starts_at)} ${fmtDate(m.starts_at)}`, `${fmtTime(m.starts_at)}–${fmtTime(m.ends_at)}`, lbl(MEETING_KIND, m.kind), lbl(VISIT_STATUS, m.status), link(`#/meetings/${m.id}`, m.title), ''])),
    { rowHeader: true, hideCaption: true }));
  return wrap;
}

export async function meetingsView() {
  const items = await all('/api/meetings?limit=100');
  items.sort((a, b) => b.starts_at.localeCompare(a.starts_at));
  const wrap = h('div', h('h1', L('Møder', 'Meetings')), takeFlash(), h('p.actions', h('a.btn-primary', { href: '#/meetings/new' }, L('Nyt møde', 'New meeting'))));
  if (!items.length) { wrap.append(empty(L('Ingen møder endnu.', 'No meetings yet.'))); return wrap; }
  wrap.append(table(L('Møder', 'Meetings'), [L('Møde', 'Meeting'), L('Type', 'Kind'), L('Tid', 'Time'), L('Status', 'Status'), L('Referat', 'Minutes')],
    items.map((m) => [link(`#/meetings/${m.id}`, m.title), lbl(MEETING_KIND, m.kind), fmtDateTime(m.starts_at), lbl(VISIT_STATUS, m.status), m.minutes ? L('Ja', 'Yes') : L('Nej', 'No')]), { rowHeader: true, hideCaption: true }));
  return wrap;
}

export async function meetingNewView() {
  const residents = await all('/api/residents?status=active&limit=200');
  const form = h('form.card', { action: '#' },
    field('kind', L('Type', 'Kind'), { kind: 'select', options: ['network', 'theme', 'teaching', 'other'].map((k) => [k, lbl(MEETING_KIND, k)]) }),
    field('resident_id', L('Beboer (netværksmøde)', 'Resident (network meeting)'), { kind: 'select', options: [['', L('Ingen', 'None')], ...residents.map((r) => [r.id, r.name])] }),
    field('title', L('Titel', 'Title'), { required: true }),
    h('div.grid2', field('starts_at', L('Start', 'Start'), { kind: 'datetime-local', required: true, value: nowLocalInput() }), field('ends_at', L('Slut', 'End'), { kind: 'datetime-local', required: true, value: nowLocalInput(new Date(Date.now() + 3600000)) })),
    field('location', L('Sted', 'Location')),
    h('div.actions', h('button.btn-primary', { type: 'submit' }, L('Opret møde', 'Create meeting'))));
  bindForm(form, 'meeting:new', async (v, idem) => {
    const body = { kind: v.kind, title: v.title, starts_at: localInputToISO(v.starts_at), ends_at: localInputToISO(v.ends_at), location: v.location || undefined };
    if (v.resident_id) body.resident_id = v.resident_id;
    const r = await api.post('/api/meetings', body, { idem });
    setFlash(L('Mødet er oprettet.', 'The meeting is created.'));
    navigate(`/meetings/${r.data.id}`);
  });
  return h('div', h('h1', L('Nyt møde', 'New meeting')), form);
}

export async function meetingView({ params }) {
  const res = await request('GET', `/api/meetings/${params.id}`);
  const m = res.data;
  const version = Number(res.etag || m.version);
  const form = h('form.card', { action: '#' },
    field('status', L('Status', 'Status'), { kind: 'select', value: m.status, options: Object.keys(VISIT_STATUS).map((k) => [k, lbl(VISIT_STATUS, k)]) }),
    field('minutes', L('Referat', 'Minutes'), { kind: 'textarea', rows: 6, value: m.minutes || '' }),
    field('decisions', L('Beslutninger', 'Decisions'), { kind: 'textarea', rows: 4, value: m.decisions || '' }),
    h('div.actions', h('button.btn-primary', { type: 'submit' }, L('Gem referat', 'Save minutes'))));
  bindForm(form, `meeting:${m.id}`, async (v) => {
    await api.patch(`/api/meetings/${m.id}`, { status: v.status, minutes: v.minutes, decisions: v.decisions }, { ifMatch: version });
    setFlash(L('Referatet er gemt.', 'The minutes are saved.'));
    navigate(`/meetings/${m.id}?t=${Date.now()}`);
  }, { describeStale: (cur, mine) => staleDiff(cur, mine, { status: L('Status', 'Status'), minutes: L('Referat', 'Minutes'), decisions: L('Beslutninger', 'Decisions') }) });
  return h('div', h('h1', m.title), takeFlash(),
    h('p', `${lbl(MEETING_KIND, m.kind)} · ${fmtDateTime(m.starts_at)}–${fmtTime(m.ends_at)}${m.location ? ` · ${m.location}` : ''}`),
    (m.participants || []).length ? section(L('Deltagere', 'Participants'), h('ul.plain', m.participants.map((p) => h('li', p.user_name || p.external_name || '–', p.role ? ` (${p.role})` : '')))) : null,
    form);
}

export async function wheelView({ query }) {
  const year = query.get('year') || todayISO().slice(0, 4);
  const items = (await get(`/api/annual-wheel?year=${year}`)).items;
  const wrap = h('div', h('h1', `${L('Årshjul', 'Annual wheel')} ${year}`),
    h('nav.subnav', { 'aria-label': L('År', 'Years') }, h('ul', h('li', h('a.btn-secondary', { href: `#/wheel?year=${Number(year) - 1}` }, `← ${Number(year) - 1}`)), h('li', h('a.btn-secondary', { href: `#/wheel?year=${Number(year) + 1}` }, `${Number(year) + 1} →`)))));
  if (!items.length) { wrap.append(empty(L('Ingen fælles møder i årshjulet for dette år.', 'No joint meetings in the wheel for this year.'))); return wrap; }
  const byMonth = new Map();
  for (const m of items) { const k = m.starts_at.slice(0, 7); if (!byMonth.has(k)) byMonth.set(k, []); byMonth.get(k).push(m); }
  wrap.append(h('ol.wheel', [...byMonth.entries()].sort().map(([k, ms]) => h('li.card', h('h2.h3', monthLabel(k)), h('ul.plain', ms.map((m) => h('li', `${fmtDate(m.starts_at)}: `, link(`#/meetings/${m.id}`, m.title), ` (${lbl(MEETING_KIND, m.kind)})`)))))));
  return wrap;
}
