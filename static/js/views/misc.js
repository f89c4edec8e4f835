// The rest: received Monday mails, visit calendar, meetings with minutes, the annual wheel.
import { api, get, request, ApiError } from '../api.js';
import { L, fmtDate, fmtTime, fmtDateTime, weekdayName, todayISO, nowLocalInput, localInputToISO, isoToLocalInput, monthLabel } from '../i18n.js';
import { h, field, bindForm, empty, section, link, badge, table, staleDiff } from '../dom.js';
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

export async function calendarView() {
  const from = todayISO();
  const items = (await get(`/api/visits?from=${from}&limit=100`)).items;
  const wrap = h('div', h('h1', L('Besøgskalender', 'Visit calendar')),
    h('p', L('Faste og ekstra besøg fra i dag. Abonnér på kalenderen i Outlook fra aftalens side.', 'Fixed and extra visits from today. Subscribe in Outlook from the agreement page.'), ' ', link('#/agreements', L('Til aftalerne', 'To the agreements'))));
  if (!items.length) { wrap.append(empty(L('Ingen planlagte besøg.', 'No planned visits.'))); return wrap; }
  wrap.append(table(L('Besøg', 'Visits'), [L('Dag', 'Day'), L('Tid', 'Time'), L('Type', 'Kind'), L('Status', 'Status'), L('Note', 'Note')],
    items.map((v) => [`${weekdayName(v.starts_at)} ${fmtDate(v.starts_at)}`, `${fmtTime(v.starts_at)}–${fmtTime(v.ends_at)}`, v.kind === 'fixed' ? L('Fast tilstedeværelse', 'Fixed presence') : v.kind, lbl(VISIT_STATUS, v.status), v.note || '']), { rowHeader: true, hideCaption: true }));
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
