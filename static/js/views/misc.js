// The rest: received Monday mails, visit calendar, meetings with minutes, the annual wheel.
import { api, get, request, ApiError } from '../api.js';
import { L, fmtDate, fmtTime, fmtDateTime, fmtDateTimeLong, weekdayName, todayISO, nowLocalInput, localInputToISO, isoToLocalInput, monthLabel, personWithRole, isoWeek, dayISO } from '../i18n.js';
import { h, field, bindForm, formValues, empty, section, link, badge, table, staleDiff, confirmDialog, showInBox } from '../dom.js';
import { navigate } from '../app.js';
import { lbl, VISIT_STATUS, MEETING_KIND, all, takeFlash, setFlash, consentInForce, partnerOrgs, isRegion } from './common.js';

export async function receivedView({ query }) {
  if (query.get('facility') && query.get('week')) return receivedMailView(query.get('facility'), query.get('week'));
  const items = await all('/api/monday-mail/received?limit=100');
  const wrap = h('div', h('h1', L('Modtagne mandagsmails', 'Received Monday mails')));
  if (!items.length) { wrap.append(empty(L('Der er ikke modtaget nogen mandagsmails endnu.', 'No Monday mails received yet.'))); return wrap; }
  const weekName = (m) => `${L('Uge', 'Week')} ${Number(m.week.slice(6))}, ${m.week.slice(0, 4)}`;
  wrap.append(table(L('Mandagsmails', 'Monday mails'), [L('Uge', 'Week'), L('Botilbud', 'Facility'), L('Sendt', 'Sent'), L('Ønsker samtale', 'Talks requested'), L('Status', 'Status')],
    items.map((m) => [h('a', { href: `#/received?facility=${encodeURIComponent(m.facility_id)}&week=${encodeURIComponent(m.week)}`, 'aria-label': `${weekName(m)} – ${m.facility_name}` }, weekName(m)),
      m.facility_name, `${fmtDateTime(m.sent_at)} (${m.sent_by_name || '–'})`, String(m.talk_count), m.new ? badge(L('Ny', 'New'), 'flag') : L('Læst', 'Read')]), { rowHeader: true, hideCaption: true }));
  return wrap;
}

const PRIORITY_NAME = { low: ['lav', 'low'], normal: ['normal', 'normal'], high: ['høj', 'high'] };

/** One received Monday mail, as the team rereads it: who asks for a talk, and everyone's status. */
async function receivedMailView(facility, week) {
  const mail = await get(`/api/monday-mail?facility=${encodeURIComponent(facility)}&week=${encodeURIComponent(week)}`);
  const wk = `${L('uge', 'week')} ${Number(week.slice(6))}, ${week.slice(0, 4)}`;
  const wrap = h('div', h('h1', `${L('Mandagsmail', 'Monday mail')} ${wk} – ${mail.facility_name}`),
    h('p', link('#/received', `← ${L('Alle modtagne mandagsmails', 'All received Monday mails')}`)),
    h('p', `${L('Sendt', 'Sent')} ${fmtDateTimeLong(mail.sent_at)} ${L('af', 'by')} ${mail.sent_by_name || '–'}.`,
      mail.next_fixed_visit ? ` ${L('Næste faste besøg', 'Next fixed visit')}: ${weekdayName(mail.next_fixed_visit.starts_at)} ${fmtDate(mail.next_fixed_visit.starts_at)} ${L('kl.', 'at')} ${fmtTime(mail.next_fixed_visit.starts_at)}–${fmtTime(mail.next_fixed_visit.ends_at)}.` : ''));
  const entries = mail.entries || [];
  const entry = (e) => h('li.card', h('h3', link(`#/residents/${e.resident_id}`, e.resident_name || '–')),
    h('p.muted', `${L('Prioritet', 'Priority')}: ${lbl(PRIORITY_NAME, e.priority)}`),
    e.status_text ? h('p.pre', e.status_text) : h('p.muted', L('Ingen status skrevet.', 'No status written.')));
  const talks = entries.filter((e) => e.needs_talk);
  const rest = entries.filter((e) => !e.needs_talk);
  wrap.append(section(`${L('Ønsker samtale ved næste faste besøg', 'Asking for a talk at the next fixed visit')} (${talks.length})`,
    talks.length ? h('ul.plain.mail-entries', talks.map(entry)) : empty(L('Ingen beboere ønsker samtale denne uge.', 'No residents ask for a talk this week.'))));
  wrap.append(section(`${L('Øvrige beboere', 'Other residents')} (${rest.length})`,
    rest.length ? h('ul.plain.mail-entries', rest.map(entry)) : empty(L('Ingen andre beboere i mailen.', 'No other residents in the mail.'))));
  return wrap;
}

const VISIT_KIND = {
  fixed: ['Fast tilstedeværelse', 'Fixed presence'], extra: ['Ekstra besøg', 'Extra visit'],
  home: ['Hjemmebesøg', 'Home visit'], phone: ['Telefon', 'Phone'], video: ['Video', 'Video'],
};

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
      dayISO(v.starts_at) <= todayISO() ? h('button.btn-secondary', { type: 'submit', name: 'held', value: '1' }, L('Marker som holdt', 'Mark as held')) : null,
      h('button.btn-primary', { type: 'submit', name: 'move', value: '1' }, L('Flyt besøget', 'Move the visit')),
      h('button.btn-danger', { type: 'submit', name: 'cancel', value: '1' }, L('Aflys besøget', 'Cancel the visit'))));
  bindForm(form, `visit:${v.id}`, async (x, idem, btn) => {
    if (btn && btn.name === 'held') {
      await api.patch(`/api/visits/${v.id}`, { status: 'held' }, { ifMatch: version });
      setFlash(`${L('Besøget er markeret som holdt', 'The visit is marked as held')}: ${visitWhen(v)}.`);
      navigate(`/calendar?t=${Date.now()}`);
      return;
    }
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
  return h('details.visit-edit', h('summary', dayISO(v.starts_at) <= todayISO() ? L('Holdt, flyt eller aflys', 'Held, move or cancel') : L('Flyt eller aflys', 'Move or cancel'), h('span.visually-hidden', ` ${visitWhen(v)}`)), form);
}

const WINDOW_DAYS = 28;
const addDays = (iso, n) => { const d = new Date(`${iso}T12:00:00Z`); d.setUTCDate(d.getUTCDate() + n); return d.toISOString().slice(0, 10); };

export async function calendarView({ me, query }) {
  // four weeks at a time, from the Monday of the chosen (or this) week
  const today = todayISO();
  const chosen = /^\d{4}-\d{2}-\d{2}$/.test(query.get('from') || '') ? query.get('from') : today;
  const dow = (new Date(`${chosen}T12:00:00Z`).getUTCDay() + 6) % 7;
  const monday = addDays(chosen, -dow);
  const from = monday < today && chosen === today ? today : monday;
  const to = addDays(monday, WINDOW_DAYS - 1);
  const [visits, meetings, orgs] = await Promise.all([
    all(`/api/visits?from=${from}&to=${to}&limit=200`, 2),
    Promise.all(['management', 'network', 'theme', 'teaching', 'other'].map((k) => all(`/api/meetings?kind=${k}&from=${from}&to=${to}&limit=100`, 2).catch(() => []))).then((x) => x.flat()),
    isRegion(me) ? partnerOrgs(me) : Promise.resolve([])]);
  const wrap = h('div', h('h1', L('Besøgskalender', 'Visit calendar')), takeFlash(),
    h('p', L('Besøg og møder fire uger ad gangen. Abonnér på kalenderen i Outlook fra aftalens side.', 'Visits and meetings four weeks at a time. Subscribe in Outlook from the agreement page.'), ' ', link('#/agreements', L('Til aftalerne', 'To the agreements'))),
    h('nav.subnav', { 'aria-label': L('Periode', 'Period') }, h('ul',
      h('li', h('a.btn-secondary', { href: `#/calendar?from=${addDays(monday, -WINDOW_DAYS)}` }, `← ${L('Forrige 4 uger', 'Previous 4 weeks')}`)),
      h('li', h('a.btn-secondary', { href: '#/calendar' }, L('Fra i dag', 'From today'))),
      h('li', h('a.btn-secondary', { href: `#/calendar?from=${addDays(monday, WINDOW_DAYS)}` }, `${L('Næste 4 uger', 'Next 4 weeks')} →`)))),
    h('p.muted', `${fmtDate(`${from}T12:00:00Z`)} – ${fmtDate(`${to}T12:00:00Z`)}`));
  const region = isRegion(me);
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
  if (!rows.length) { wrap.append(empty(L('Ingen planlagte besøg eller møder i perioden. Opret et besøg ovenfor, eller lav en samarbejdsaftale, så de faste besøg kommer i kalenderen.', 'No planned visits or meetings in this period. Create a visit above, or make an agreement so the fixed visits come into the calendar.'))); return wrap; }
  // one table per ISO week
  const weeks = new Map();
  for (const row of rows) {
    const wk = isoWeek(new Date(row.at));
    if (!weeks.has(wk)) weeks.set(wk, []);
    weeks.get(wk).push(row);
  }
  for (const [wk, list] of weeks) {
    const title = `${L('Uge', 'Week')} ${Number(wk.slice(6))}`;
    // a meeting is named by its kind and title (a link to it); the note column is the visits'
    // own note. Every week's table has the same column widths, so the weeks line up.
    wrap.append(h('h2.h3.week', title), table(title, [L('Dag', 'Day'), L('Tid', 'Time'), L('Hvad', 'What'), L('Status', 'Status'), L('Note', 'Note'), L('Handling', 'Action')],
      list.map(({ v, m }) => (v
        ? [`${weekdayName(v.starts_at)} ${fmtDate(v.starts_at)}`, `${fmtTime(v.starts_at)}–${fmtTime(v.ends_at)}`, lbl(VISIT_KIND, v.kind), v.status === 'cancelled' ? badge(lbl(VISIT_STATUS, v.status), 'danger') : lbl(VISIT_STATUS, v.status), v.note || '', v.status === 'planned' ? visitChange(v) : '']
        : [`${weekdayName(m.starts_at)} ${fmtDate(m.starts_at)}`, `${fmtTime(m.starts_at)}–${fmtTime(m.ends_at)}`, h('span.meeting-what', `${lbl(MEETING_KIND, m.kind)}: `, link(`#/meetings/${m.id}`, m.title)), m.status === 'cancelled' ? badge(lbl(VISIT_STATUS, m.status), 'danger') : lbl(VISIT_STATUS, m.status), '', ''])),
      { rowHeader: true, hideCaption: true, cls: 'calendar-week' }));
  }
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

const PART_KIND = { resident: ['Beboeren', 'The resident'], relative: ['Pårørende', 'Relative'], partner: ['Samarbejdspartner', 'Partner'], staff: ['Medarbejder', 'Staff'] };
const SIDE_NAME = { municipality: ['kommunen', 'the municipality'], region: ['regionen', 'the region'], resident: ['beboeren', 'the resident'], other: ['andre', 'others'] };
const names = (s) => String(s || '').split(',').map((x) => x.trim()).filter(Boolean);
const personLabel = (u, tag) => personWithRole(u.name, u.role, tag);

/** Checkboxes for the people of one organisation, named p.<user id>. */
function peopleGroup(legend, people, checked, tags = {}) {
  return h('fieldset.field.people', h('legend', legend),
    people.length
      ? h('div.checks', people.map((u) => field(`p.${u.id}`, personLabel(u, tags[u.id]), { kind: 'checkbox', value: checked.has(u.id) })))
      : h('p.hint', L('Ingen brugere i Samspil.', 'No users in Samspil.')));
}

/**
 * A new meeting. A network meeting is about one resident: the resident, someone from the
 * facility (municipality) and someone from the team (region) must take part, and relatives
 * or partners only with the resident's consent — all shown before saving. A joint event
 * (theme, teaching, other) names the partner organisation and has staff only.
 */
export async function meetingNewView({ me }) {
  const region = isRegion(me);
  const peopleP = all('/api/colleagues?limit=200').catch(() => []);
  const [residents, people, orgs] = await Promise.all([
    all('/api/residents?status=active&limit=200'), peopleP, peopleP.then((p) => partnerOrgs(me, p))]);
  const consents = new Map(); // resident id -> consents, fetched when chosen
  const partsBox = h('div.meeting-parts');
  const ruleBox = h('div.rules', { id: 'meeting-rules', 'aria-live': 'polite' });
  const submit = h('button.btn-primary', { type: 'submit', 'aria-describedby': 'meeting-rules' }, L('Opret møde', 'Create meeting'));
  const kindSel = field('kind', L('Type', 'Kind'), { kind: 'select', options: ['network', 'theme', 'teaching', 'other'].map((k) => [k, lbl(MEETING_KIND, k)]) });
  const residentSel = field('resident_id', L('Beboer', 'Resident'), { kind: 'select', required: true, options: [['', L('Vælg beboer', 'Choose a resident')], ...residents.map((r) => [r.id, r.name])] });
  const partnerSel = field('partner_id', region ? L('Botilbud', 'Facility') : L('F-ACT-team', 'F-ACT team'), { kind: 'select', required: true, options: orgs.length === 1 ? orgs : [['', L('Vælg', 'Choose')], ...orgs] });
  const form = h('form.card', { action: '#' },
    h('div.grid2', kindSel, residentSel, partnerSel),
    field('title', L('Titel', 'Title'), { required: true, value: L('Netværksmøde', 'Network meeting') }),
    h('div.grid2', field('starts_at', L('Start', 'Start'), { kind: 'datetime-local', required: true, value: nowLocalInput() }), field('ends_at', L('Slut', 'End'), { kind: 'datetime-local', required: true, value: nowLocalInput(new Date(Date.now() + 3600000)) })),
    field('location', L('Sted', 'Location')),
    h('h2', L('Deltagere', 'Participants')), partsBox, ruleBox,
    h('div.actions', submit, h('a.btn-secondary', { href: '#/meetings' }, L('Annullér', 'Cancel'))));
  const $ = (n) => form.querySelector(`[name="${n}"]`);

  let builtFor = null; // what the participant section was built for: kind + resident/partner
  async function buildParts() {
    const v = formValues(form);
    const network = v.kind === 'network';
    residentSel.hidden = !network; $('resident_id').disabled = !network;
    partnerSel.hidden = network; $('partner_id').disabled = network;
    const key = network ? `n:${v.resident_id}` : `j:${v.partner_id}`;
    if (key === builtFor) return;
    builtFor = key;
    const keep = new Set(Object.keys(v).filter((k) => k.startsWith('p.') && v[k]).map((k) => k.slice(2)));
    if (network) {
      const r = residents.find((x) => x.id === v.resident_id);
      if (!r) { partsBox.replaceChildren(h('p.hint', L('Vælg beboeren først; så vises de mulige deltagere.', 'Choose the resident first; then the possible participants are shown.'))); return checkRules(); }
      if (!consents.has(r.id)) consents.set(r.id, await get(`/api/residents/${r.id}/consents`).catch(() => null));
      const c = consents.get(r.id);
      const relOk = consentInForce(c, 'relatives_may_attend');
      const partOk = consentInForce(c, 'partners_may_attend');
      const tags = { [r.contact_person_id]: L('kontaktperson', 'contact person'), [r.responsible_clinician_id]: L('behandlingsansvarlig', 'responsible clinician') };
      const checked = keep.size ? keep : new Set([r.contact_person_id, r.responsible_clinician_id].filter(Boolean));
      partsBox.replaceChildren(
        field('resident_present', `${r.name} (${L('beboeren', 'the resident')})`, { kind: 'checkbox', value: true }),
        peopleGroup(`${L('Fra botilbuddet (kommunen)', 'From the facility (municipality)')}: ${r.facility_name}`, people.filter((u) => u.org_id === r.facility_id), checked, tags),
        peopleGroup(`${L('Fra F-ACT-teamet (regionen)', 'From the F-ACT team (region)')}: ${r.team_name}`, people.filter((u) => u.org_id === r.team_id), checked, tags),
        field('relatives', L('Pårørende (navne, adskilt med komma)', 'Relatives (names, separated by commas)'), { disabled: !relOk, hint: relOk ? L('Beboeren har givet samtykke til, at pårørende deltager.', 'The resident has consented to relatives taking part.') : L('Ikke muligt: beboeren har ikke et gældende samtykke til, at pårørende deltager.', 'Not possible: the resident has no consent in force for relatives to take part.') }),
        field('partners', L('Samarbejdspartnere (navne, adskilt med komma)', 'Partners (names, separated by commas)'), { disabled: !partOk, hint: partOk ? L('Beboeren har givet samtykke til, at samarbejdspartnere deltager.', 'The resident has consented to partners taking part.') : L('Ikke muligt: beboeren har ikke et gældende samtykke til, at samarbejdspartnere deltager.', 'Not possible: the resident has no consent in force for partners to take part.') }));
    } else {
      const partner = v.partner_id;
      if (!partner) { partsBox.replaceChildren(h('p.hint', L('Vælg samarbejdspartneren først.', 'Choose the partner first.'))); return checkRules(); }
      const mine = people.filter((u) => u.org_id === me.org_id);
      const theirs = people.filter((u) => u.org_id === partner);
      const partnerName = (orgs.find(([id]) => id === partner) || [])[1] || '';
      partsBox.replaceChildren(
        h('p.hint', L('Fælles arrangementer er for medarbejdere; beboere og pårørende deltager i netværksmøder.', 'Joint events are for staff; residents and relatives take part in network meetings.')),
        peopleGroup(L('Fra egen organisation', 'From your own organisation'), mine, keep.size ? keep : new Set([me.id])),
        peopleGroup(`${L('Fra', 'From')} ${partnerName}`, theirs, keep));
    }
    checkRules();
  }

  function participants(v) {
    const out = [];
    const network = v.kind === 'network';
    const r = residents.find((x) => x.id === v.resident_id);
    const teamId = network ? r && r.team_id : (region ? me.org_id : v.partner_id);
    for (const u of people) {
      if (!v[`p.${u.id}`]) continue;
      out.push({ kind: 'staff', side: u.org_id === teamId ? 'region' : 'municipality', user_id: u.id });
    }
    if (network && v.resident_present) out.push({ kind: 'resident', side: 'resident' });
    if (network) for (const n of names(v.relatives)) out.push({ kind: 'relative', side: 'other', external_name: n });
    if (network) for (const n of names(v.partners)) out.push({ kind: 'partner', side: 'other', external_name: n });
    return out;
  }

  function checkRules(v = formValues(form)) {
    if (v.kind !== 'network' || !v.resident_id) { showInBox(ruleBox); submit.disabled = false; return null; }
    const ps = participants(v);
    const missing = [];
    if (!ps.some((p) => p.side === 'municipality')) missing.push(L('en fra botilbuddet (kommunen)', 'someone from the facility (municipality)'));
    if (!ps.some((p) => p.side === 'region')) missing.push(L('en fra F-ACT-teamet (regionen)', 'someone from the F-ACT team (region)'));
    if (!ps.some((p) => p.kind === 'resident')) missing.push(L('beboeren', 'the resident'));
    const ok = !missing.length;
    const rules = [h(`p.rule.${ok ? 'rule-ok' : 'rule-block'}`, h('strong', L('Et netværksmøde ', 'A network meeting ')),
      L('kræver mindst én deltager fra kommunen, én fra regionen og beboeren selv.', 'needs at least one participant from the municipality, one from the region and the resident.'),
      ok ? '' : h('span', ' ', `${L('Mangler', 'Missing')}: ${missing.join(', ')}.`))];
    // with a safety risk, the contact person or another of the facility's staff takes part
    const r = residents.find((x) => x.id === v.resident_id);
    let safe = true;
    if (r && r.safety && r.safety.risk) {
      safe = people.some((u) => u.org_id === r.facility_id && v[`p.${u.id}`]);
      rules.push(h(`p.rule.${safe ? 'rule-ok' : 'rule-block'}`, h('strong', L('Sikkerhedsrisiko er vurderet. ', 'A safety risk is assessed. ')),
        L('Kontaktpersonen eller en anden medarbejder fra botilbuddet, der kender beboeren, skal deltage.', 'The contact person or another staff member of the facility who knows the resident must take part.'),
        safe ? '' : h('span', ' ', L('Sæt flueben ved en medarbejder fra botilbuddet – ellers kan mødet ikke oprettes.', 'Tick a staff member of the facility – otherwise the meeting cannot be created.'))));
    }
    showInBox(ruleBox, rules);
    submit.disabled = !ok || !safe;
    return ok && safe ? null : 'composition';
  }

  bindForm(form, 'meeting:new', async (v, idem) => {
    if (checkRules(v)) return;
    const body = { kind: v.kind, title: v.title, starts_at: localInputToISO(v.starts_at), ends_at: localInputToISO(v.ends_at), participants: participants(v) };
    if (v.location) body.location = v.location;
    if (v.kind === 'network') body.resident_id = v.resident_id;
    else { body.team_id = region ? me.org_id : v.partner_id; body.facility_id = region ? v.partner_id : me.org_id; }
    const r = await api.post('/api/meetings', body, { idem });
    setFlash(L('Mødet er oprettet.', 'The meeting is created.'));
    navigate(`/meetings/${r.data.id}`);
  }, { onChange: () => { buildParts(); checkRules(); }, afterSubmit: () => checkRules() });
  // the title follows the kind until the user writes their own
  let autoTitle = $('title').value;
  $('kind').addEventListener('change', () => { if ($('title').value === autoTitle) { autoTitle = lbl(MEETING_KIND, $('kind').value); $('title').value = autoTitle; } });
  await buildParts();
  return h('div', h('h1', L('Nyt møde', 'New meeting')), form);
}

/** A meeting: time and place, who takes part (add and remove), minutes and decisions. */
export async function meetingView({ params }) {
  const res = await request('GET', `/api/meetings/${params.id}`);
  const m = res.data;
  const version = Number(res.etag || m.version);
  const network = m.kind === 'network';
  const resident = network && m.resident_id ? await get(`/api/residents/${m.resident_id}`).catch(() => null) : null;
  const form = h('form.card', { action: '#' },
    h('div.grid2',
      field('starts_at', L('Start', 'Start'), { kind: 'datetime-local', required: true, value: isoToLocalInput(m.starts_at) }),
      field('ends_at', L('Slut', 'End'), { kind: 'datetime-local', required: true, value: isoToLocalInput(m.ends_at) }),
      field('location', L('Sted', 'Location'), { value: m.location || '' }),
      field('status', L('Status', 'Status'), { kind: 'select', value: m.status, options: Object.keys(VISIT_STATUS).map((k) => [k, lbl(VISIT_STATUS, k)]) })),
    field('minutes', L('Referat', 'Minutes'), { kind: 'textarea', rows: 6, value: m.minutes || '' }),
    field('decisions', L('Beslutninger', 'Decisions'), { kind: 'textarea', rows: 4, value: m.decisions || '' }),
    h('div.actions', h('button.btn-primary', { type: 'submit' }, L('Gem mødet', 'Save the meeting'))));
  bindForm(form, `meeting:${m.id}`, async (v) => {
    const body = {};
    const starts = localInputToISO(v.starts_at); const ends = localInputToISO(v.ends_at);
    if (new Date(starts).getTime() !== new Date(m.starts_at).getTime()) body.starts_at = starts;
    if (new Date(ends).getTime() !== new Date(m.ends_at).getTime()) body.ends_at = ends;
    for (const k of ['location', 'status', 'minutes', 'decisions']) if ((v[k] || '') !== (m[k] || '')) body[k] = v[k] || '';
    if (!Object.keys(body).length) { setFlash(L('Der var ingen ændringer at gemme.', 'There were no changes to save.')); navigate(`/meetings/${m.id}?t=${Date.now()}`); return; }
    await api.patch(`/api/meetings/${m.id}`, body, { ifMatch: version });
    setFlash(L('Mødet er gemt.', 'The meeting is saved.'));
    navigate(`/meetings/${m.id}?t=${Date.now()}`);
  }, { describeStale: (cur, mine) => staleDiff(cur, mine, { starts_at: L('Start', 'Start'), ends_at: L('Slut', 'End'), location: L('Sted', 'Location'), status: L('Status', 'Status'), minutes: L('Referat', 'Minutes'), decisions: L('Beslutninger', 'Decisions') }) });
  return h('div', h('h1', m.title), takeFlash(),
    h('p', `${lbl(MEETING_KIND, m.kind)}${resident ? ` ${L('om', 'about')} ` : ''}`, resident ? link(`#/residents/${resident.id}`, resident.name) : '', ` · ${weekdayName(m.starts_at)} ${fmtDateTime(m.starts_at)}–${fmtTime(m.ends_at)}${m.location ? ` · ${m.location}` : ''}`),
    m.kind === 'management' ? null : await participantsSection(m, network, resident),
    form);
}

async function participantsSection(m, network, resident) {
  const people = await all('/api/colleagues?limit=200').catch(() => []);
  const taking = new Set(m.participants.map((p) => p.user_id).filter(Boolean));
  const who = (p) => p.user_name || p.external_name || (p.kind === 'resident' ? (resident ? resident.name : L('Beboeren', 'The resident')) : '–');
  const list = h('ul.plain.parts');
  for (const p of m.participants) {
    const remove = h('button.btn-small', { type: 'button' }, L('Fjern', 'Remove'), h('span.visually-hidden', ` ${who(p)}`));
    remove.addEventListener('click', async () => {
      if (!(await confirmDialog({ title: `${L('Fjern', 'Remove')} ${who(p)}?`, body: L('Personen fjernes fra mødets deltagerliste. Det bliver registreret, hvem der fjernede dem.', 'The person is taken off the list of participants. Who removed them is recorded.'), confirm: L('Fjern', 'Remove'), cancel: L('Behold', 'Keep'), danger: true }))) return;
      try {
        await api.del(`/api/meetings/${m.id}/participants/${p.id}`);
        setFlash(`${who(p)} ${L('er fjernet fra mødet.', 'is taken off the meeting.')}`);
        navigate(`/meetings/${m.id}?t=${Date.now()}`);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        msg.replaceChildren(h('div.alert.alert-danger', { role: 'alert' }, err.status === 422 ? L('Kan ikke fjernes: et netværksmøde skal have mindst én deltager fra kommunen, én fra regionen og beboeren.', 'Cannot be removed: a network meeting needs at least one participant from the municipality, one from the region and the resident.') : err.message));
      }
    });
    list.append(h('li', h('span', h('strong', who(p)), ` – ${lbl(PART_KIND, p.kind)}${p.side !== 'resident' ? `, ${lbl(SIDE_NAME, p.side)}` : ''}${p.role ? ` (${p.role})` : ''}`), ' ', remove));
  }
  const msg = h('div', { 'aria-live': 'polite' });
  const pair = people.filter((u) => (u.org_id === m.team_id || u.org_id === m.facility_id) && !taking.has(u.id));
  const kinds = network ? ['staff', 'relative', 'partner', ...(m.participants.some((p) => p.kind === 'resident') ? [] : ['resident'])] : ['staff'];
  const form = h('form.card.add-part', { action: '#' },
    h('h3', L('Tilføj deltager', 'Add a participant')),
    h('div.grid2',
      field('kind', L('Deltager er', 'The participant is'), { kind: 'select', options: kinds.map((k) => [k, lbl(PART_KIND, k)]) }),
      field('user_id', L('Medarbejder', 'Staff member'), { kind: 'select', options: [['', L('Vælg', 'Choose')], ...pair.map((u) => [u.id, personLabel(u)])] }),
      field('external_name', L('Navn (pårørende eller samarbejdspartner)', 'Name (relative or partner)'), {}),
      field('role', L('Rolle (fx mor, jobkonsulent)', 'Role (e.g. mother, job consultant)'), {})),
    h('div.actions', h('button.btn-secondary', { type: 'submit' }, L('Tilføj deltager', 'Add participant'))));
  const sync = () => {
    const k = form.querySelector('[name="kind"]').value;
    form.querySelector('[data-field="user_id"]').hidden = k !== 'staff';
    form.querySelector('[name="user_id"]').disabled = k !== 'staff';
    form.querySelector('[data-field="external_name"]').hidden = k === 'staff' || k === 'resident';
    form.querySelector('[name="external_name"]').disabled = k === 'staff' || k === 'resident';
  };
  bindForm(form, `meeting-part:${m.id}`, async (v, idem) => {
    const body = { kind: v.kind };
    if (v.kind === 'staff') {
      const u = people.find((x) => x.id === v.user_id);
      if (!u) throw new ApiError(422, { code: 'validation-failed', errors: [{ field: 'user_id', reason: 'is required' }] });
      body.user_id = u.id; body.side = u.org_id === m.team_id ? 'region' : 'municipality';
    } else if (v.kind === 'resident') body.side = 'resident';
    else { body.side = 'other'; body.external_name = (v.external_name || '').trim(); }
    if ((v.role || '').trim()) body.role = v.role.trim();
    await api.post(`/api/meetings/${m.id}/participants`, body, { idem });
    setFlash(L('Deltageren er tilføjet.', 'The participant is added.'));
    navigate(`/meetings/${m.id}?t=${Date.now()}`);
  }, { onChange: sync });
  sync();
  return section(L('Deltagere', 'Participants'), msg, m.participants.length ? list : empty(L('Ingen deltagere endnu.', 'No participants yet.')), form);
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
