// The audit log of a resident for the managers: an overview of who opened the record and who
// only saw the name in a list, the trail filtered by person, period and action a page at a
// time, and the resident's right of access (GDPR art. 15) as a printable document.
import { get } from '../api.js';
import { L, fmtDate, fmtTime, fmtDateTime, fmtNum, dayISO, ROLE_NAMES, getLang } from '../i18n.js';
import { h, field, empty, section, table } from '../dom.js';
import { all } from './common.js';

const ACTION = { read: ['læste', 'read'], search: ['så på listen', 'listed'], create: ['oprettede', 'created'], update: ['ændrede', 'changed'], delete: ['slettede', 'deleted'] };
const RESOURCE = {
  resident: ['beboeren', 'the resident'], conversation: ['samtale', 'conversation'], consent: ['samtykke', 'consent'],
  intensity: ['intensitet', 'intensity'], kip: ['KIP', 'KIP'], kip_review: ['KIP-opfølgning', 'KIP review'],
  meeting: ['netværksmøde', 'network meeting'], monday_entry: ['mandagsmail', 'Monday mail'], admission: ['indlæggelse', 'admission'],
  admission_visit: ['besøg under indlæggelse', 'visit while admitted'], report: ['rapport', 'report'], audit_log: ['adgangslog', 'audit log'],
};
// the action filter: what a manager asks, as the API's action lists
const KINDS = [
  ['', ['Alle handlinger', 'All actions']],
  ['read,create,update,delete', ['Åbnede eller ændrede oplysningerne', 'Opened or changed the data']],
  ['search', ['Så kun navnet på en liste', 'Only saw the name in a list']],
  ['report', ['Kørte en rapport (tal uden navne)', 'Ran a report (figures without names)']],
  ['read', ['Læste', 'Read']], ['create', ['Oprettede', 'Created']], ['update', ['Ændrede', 'Changed']], ['delete', ['Slettede', 'Deleted']],
];
const PAGE = 50;

const tr = (map, k) => (map[k] ? L(...map[k]) : k);
/** What kind of access a row or group is: opened the record, saw a list, or ran a report. */
function kindOf(x) {
  if (x.resource_type === 'report') return 'report';
  return x.action === 'search' ? 'list' : 'opened';
}
function when(iso) { return h('time', { datetime: iso }, fmtDateTime(iso)); }
/** A date field's value as YYYY-MM-DD (date inputs give that; typed text may be dd.mm.åååå). */
function dayValue(v) {
  const t = String(v || '').trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return t;
  const m = /^(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})$/.exec(t);
  return m ? `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}` : '';
}
function monthsBack(n) {
  const [y, m, d] = dayISO().split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1 - n, d, 12));
  return t.toISOString().slice(0, 10);
}
/** The period of the page: as asked, else the last three months. */
function period(query) {
  const asked = query.has('from') || query.has('to');
  return { from: asked ? query.get('from') || '' : monthsBack(3), to: asked ? query.get('to') || '' : dayISO() };
}
function apiQuery(id, f, extra = {}) {
  const q = new URLSearchParams({ resident_id: id });
  for (const [k, v] of Object.entries({ user_id: f.user, from: f.from, to: f.to, action: f.action, ...extra })) if (v) q.set(k, v);
  return q.toString();
}
function pageHash(id, f, extra = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ user: f.user, from: f.from, to: f.to, action: f.action, ...extra })) if (v || k === 'from' || k === 'to') q.set(k, v || '');
  return `#/audit/${id}?${q}`;
}

/** The people of a summary, one entry each with counts per kind (newest first). */
function people(summary) {
  const by = new Map();
  for (const x of summary) {
    const key = x.user_id || `${x.user_name}|${x.org_id}`;
    const p = by.get(key) || { user_id: x.user_id, user_name: x.user_name, user_role: x.user_role, org_name: x.org_name, opened: 0, list: 0, report: 0, denied: 0, last: x.last_at };
    p[kindOf(x)] += x.times;
    if (x.outcome === 'denied') p.denied += x.times;
    if (x.last_at > p.last) p.last = x.last_at;
    by.set(key, p);
  }
  return [...by.values()];
}
function roleOf(r, lang = getLang()) { const n = ROLE_NAMES[r]; return n ? n[lang === 'en' ? 1 : 0] : r || '–'; }

/**
 * The trail's rows for the table: a run of list reads by the same person of the same list,
 * one after another, becomes one row ("så på listen, 12 gange"); everything else stays a
 * row of its own.
 */
function grouped(items) {
  const out = [];
  for (const x of items) {
    const last = out[out.length - 1];
    if (last && kindOf(x) === 'list' && kindOf(last) === 'list' && last.user_id === x.user_id && last.resource_type === x.resource_type && last.outcome === x.outcome) {
      last.times += 1; last.first_at = x.at;
    } else out.push({ ...x, times: 1, first_at: x.at, last_at: x.at });
  }
  return out;
}

export function auditRedirectView({ params, query }) {
  location.replace(`#/audit/${encodeURIComponent(params.id)}${query.toString() ? `?${query}` : ''}`);
  return null;
}

export async function auditView({ params, query }) {
  const id = params.id || query.get('resident_id');
  const residents = await all('/api/residents?limit=200');
  const select = h('select#audit-res', { name: 'resident_id' }, h('option', { value: '' }, L('Vælg beboer', 'Choose a resident')), residents.map((r) => h('option', { value: r.id, selected: r.id === id }, r.name)));
  const pick = h('form.filters.card', { action: '#' }, h('div.field', h('label', { for: 'audit-res' }, L('Beboer', 'Resident')), select), h('button.btn-secondary', { type: 'submit' }, L('Vis adgangslog', 'Show audit log')));
  pick.addEventListener('submit', (e) => { e.preventDefault(); if (select.value) location.hash = `/audit/${select.value}`; });
  const r = residents.find((x) => x.id === id);
  const wrap = h('div', h('h1', r ? `${L('Hvem har set', 'Who looked at')} ${r.name}?` : L('Adgangslog', 'Audit log')), pick);
  if (!id) { wrap.append(empty(L('Vælg en beboer for at se, hvem der har set eller ændret beboerens oplysninger.', 'Choose a resident to see who looked at or changed their data.'))); return wrap; }

  const per = period(query);
  const f = { user: query.get('user') || '', from: per.from, to: per.to, action: query.get('action') || '' };
  const cursor = query.get('cursor');
  const pageNo = Number(query.get('page')) || 1;
  const [summary, trail] = await Promise.all([
    get(`/api/audit/summary?${apiQuery(id, { from: f.from, to: f.to })}`),
    get(`/api/audit?${apiQuery(id, f, { limit: PAGE, cursor })}`),
  ]);
  const ppl = people(summary.items);

  // filters: person, period, action
  const personSel = h('select#audit-user', { name: 'user' }, h('option', { value: '' }, L('Alle personer', 'Everyone')),
    [...ppl].sort((a, b) => String(a.user_name).localeCompare(String(b.user_name), 'da')).map((p) => h('option', { value: p.user_id || '', selected: p.user_id === f.user }, `${p.user_name || '–'} (${p.org_name || '–'})`)));
  if (f.user && !ppl.some((p) => p.user_id === f.user)) personSel.append(h('option', { value: f.user, selected: true }, L('Valgt person', 'Chosen person')));
  const actionSel = h('select#audit-action', { name: 'action' }, KINDS.map(([v, t]) => h('option', { value: v, selected: v === f.action }, L(...t))));
  const form = h('form.filters.card.audit-filters', { action: '#', 'aria-label': L('Filtrér adgangsloggen', 'Filter the audit log') },
    h('div.field', h('label', { for: 'audit-user' }, L('Person', 'Person')), personSel),
    field('from', L('Fra', 'From'), { kind: 'date', value: f.from }),
    field('to', L('Til', 'To'), { kind: 'date', value: f.to }),
    h('div.field', h('label', { for: 'audit-action' }, L('Handling', 'Action')), actionSel),
    h('button.btn-secondary', { type: 'submit' }, L('Filtrér', 'Filter')),
    h('a', { href: `#/audit/${id}` }, L('Nulstil', 'Reset')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = pageHash(id, { user: personSel.value, from: dayValue(form.elements.from.value), to: dayValue(form.elements.to.value), action: actionSel.value }).slice(1);
  });
  const periodText = `${f.from ? fmtDate(f.from) : L('fra begyndelsen', 'from the start')} – ${f.to ? fmtDate(f.to) : L('i dag', 'today')}`;
  wrap.append(form, h('p.actions', h('a.btn-secondary', { href: `#/audit/${id}/access?from=${f.from}&to=${f.to}` }, L('Indsigt for beboeren: hvem har set dine oplysninger? (art. 15)', 'Right of access: who has looked at your data? (art. 15)'))));

  // the overview: who opened the record, who only saw the name, who ran reports
  const opened = ppl.filter((p) => p.opened > 0);
  const listed = ppl.filter((p) => p.opened === 0 && p.list > 0);
  const reports = ppl.filter((p) => p.report > 0);
  const personLink = (p) => (p.user_id ? h('a', { href: pageHash(id, { ...f, user: p.user_id }) }, p.user_name || '–') : p.user_name || '–');
  const overviewTable = (caption, rows, count) => (rows.length
    ? table(caption, [L('Hvem', 'Who'), L('Rolle', 'Role'), L('Organisation', 'Organisation'), L('Gange', 'Times'), L('Senest', 'Latest')],
      rows.map((p) => [personLink(p), roleOf(p.user_role), p.org_name || '–', fmtNum(count(p)), when(p.last)]), { rowHeader: true, scroll: true, cls: 'audit-overview' })
    : h('p', L('Ingen i perioden.', 'Nobody in the period.')));
  wrap.append(section(`${L('Overblik', 'Overview')} (${periodText})`,
    h('h3', L('Åbnede beboerens oplysninger', "Opened the resident's record")), overviewTable(L('Åbnede beboerens oplysninger', "Opened the resident's record"), opened, (p) => p.opened),
    h('h3', L('Så kun navnet på en liste', 'Only saw the name in a list')), overviewTable(L('Så kun navnet på en liste', 'Only saw the name in a list'), listed, (p) => p.list),
    h('h3', L('Kørte rapporter med beboeren talt med (uden navn)', 'Ran reports counting the resident (without names)')), overviewTable(L('Kørte rapporter', 'Ran reports'), reports, (p) => p.report)));

  // the trail, a page at a time, list reads in a row grouped
  const items = trail.items;
  const head = `${L('Hændelser', 'Events')}${pageNo > 1 ? ` – ${L('side', 'page')} ${pageNo}` : ''}`;
  const nav = h('p.actions.pager',
    cursor ? h('a.btn-secondary', { href: pageHash(id, f) }, L('Første side', 'First page')) : null,
    trail.next ? h('a.btn-secondary', { href: pageHash(id, f, { cursor: trail.next, page: String(pageNo + 1) }), rel: 'next' }, L('Næste side', 'Next page')) : null);
  if (!items.length) {
    wrap.append(section(head, empty(L('Ingen registrerede opslag med disse filtre.', 'No recorded access with these filters.')), nav));
    return wrap;
  }
  const rows = grouped(items).map((x) => {
    const k = kindOf(x);
    const action = k === 'report' ? L('kørte rapport', 'ran report') : tr(ACTION, x.action);
    const timeCell = x.times > 1 ? h('span', when(x.first_at), ' – ', when(x.last_at)) : when(x.at);
    return {
      cls: `audit-${k}`,
      cells: [timeCell, roleOf(x.user_role), x.user_name || '–', x.org_name || '–',
        k === 'opened' ? h('strong', action) : x.times > 1 ? `${action} (${x.times} ${L('gange', 'times')})` : action,
        tr(RESOURCE, x.resource_type),
        x.outcome === 'denied' ? h('strong.no', L('Afvist', 'Denied')) : L('Tilladt', 'Allowed')],
    };
  });
  const t = table(L('Adgangslog', 'Audit log'), [L('Tidspunkt', 'Time'), L('Rolle', 'Role'), L('Hvem', 'Who'), L('Organisation', 'Organisation'), L('Handling', 'Action'), L('Hvad', 'What'), L('Udfald', 'Outcome')],
    rows.map((x) => x.cells), { hideCaption: true, scroll: true, cls: 'audit-trail' });
  t.querySelectorAll('tbody tr').forEach((tr0, i) => tr0.classList.add(rows[i].cls));
  wrap.append(section(head,
    h('p', L(`${items.length} hændelser på denne side. Fed skrift: åbnede eller ændrede beboerens oplysninger. Gentagne listevisninger af samme person står på én linje.`,
      `${items.length} events on this page. Bold: opened or changed the resident's data. Repeated list views by the same person are on one line.`)),
    t, nav));
  return wrap;
}

// ---- the resident's right of access (GDPR art. 15) ----

// plain words for what was touched, as the document says it to the resident
const WHAT = {
  resident: ['dine oplysninger (din side i Samspil)', 'your information (your page in Samspil)'],
  conversation: ['dine samtaler', 'your conversations'], consent: ['dine samtykker', 'your consents'],
  intensity: ['hvor ofte teamet ser dig (intensitet)', 'how often the team sees you (intensity)'],
  kip: ['din koordinerende indsatsplan (KIP)', 'your coordinated plan (KIP)'], kip_review: ['opfølgning på din KIP', 'reviews of your KIP'],
  meeting: ['netværksmøder om dig', 'network meetings about you'], monday_entry: ['mandagsmailen om dig', 'the Monday mail about you'],
  admission: ['dine indlæggelser', 'your hospital admissions'], admission_visit: ['besøg, mens du var indlagt', 'visits while you were admitted'],
  audit_log: ['denne oversigt over, hvem der har set dine oplysninger', 'this record of who has looked at your information'],
  report: ['en rapport med tal, hvor du indgår uden navn', 'a report of figures that counts you without your name'],
};
const VERB = { read: ['så', 'looked at'], search: ['så dit navn på en liste over', 'saw your name in a list of'], create: ['skrev nyt i', 'added to'], update: ['ændrede', 'changed'], delete: ['slettede', 'deleted'] };
// why, when nobody stated a purpose: the job the role does
const WHY = {
  region_clinician: ['din behandling i F-ACT-teamet', 'your treatment by the F-ACT team'],
  region_manager: ['ledelse af F-ACT-teamet', 'managing the F-ACT team'],
  facility_staff: ['din støtte på botilbuddet', 'your support at the residential facility'],
  facility_manager: ['ledelse af botilbuddet', 'managing the residential facility'],
};

export async function accessReportView({ params, query, me }) {
  const id = params.id;
  const lang = query.get('lang') === 'en' || (query.get('lang') == null && getLang() === 'en') ? 'en' : 'da';
  const T = (da, en) => (lang === 'en' ? en : da);
  const tt = (map, k) => (map[k] ? map[k][lang === 'en' ? 1 : 0] : k);
  const to = query.get('to') || dayISO();
  const from = query.get('from') || monthsBack(12);
  const [r, summary] = await Promise.all([get(`/api/residents/${id}`), get(`/api/audit/summary?${apiQuery(id, { from, to })}`)]);

  const form = h('form.filters.card.no-print', { action: '#', 'aria-label': L('Periode og sprog', 'Period and language') },
    field('from', L('Fra', 'From'), { kind: 'date', value: from }),
    field('to', L('Til', 'To'), { kind: 'date', value: to }),
    field('lang', L('Sprog i dokumentet', 'Language of the document'), { kind: 'select', value: lang, options: [['da', 'Dansk'], ['en', 'English']] }),
    h('button.btn-secondary', { type: 'submit' }, L('Vis', 'Show')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams({ from: dayValue(form.elements.from.value), to: dayValue(form.elements.to.value), lang: form.elements.lang.value });
    location.hash = `/audit/${id}/access?${q}`;
  });
  const printBtn = h('button.btn-primary', { type: 'button' }, L('Udskriv', 'Print'));
  printBtn.addEventListener('click', () => window.print());

  const fmtD = (v) => fmtDate(v);
  const at = (v) => h('time', { datetime: v }, `${fmtDate(v)} ${T('kl.', 'at')} ${fmtTime(v)}`);
  const whenCell = (x) => (x.times > 1
    ? h('span', at(x.first_at), ' – ', at(x.last_at), ` (${x.times} ${T('gange', 'times')})`)
    : at(x.last_at));
  const whyOf = (x) => (x.purpose && !x.purpose.startsWith('/') ? x.purpose : tt(WHY, x.user_role) || '–');
  const heads = [T('Navn', 'Name'), T('Organisation', 'Organisation'), T('Rolle', 'Role'), T('Hvad', 'What'), T('Hvornår', 'When'), T('Hvorfor', 'Why')];
  const rowOf = (x) => [x.user_name || '–', x.org_name || '–', roleOf(x.user_role, lang), `${tt(VERB, x.action)} ${tt(WHAT, x.resource_type)}`, whenCell(x), whyOf(x)];
  const items = summary.items.filter((x) => x.outcome !== 'denied');
  const groups = [
    ['opened', T('Disse personer har åbnet eller ændret dine oplysninger', 'These people opened or changed your information'), T('Ingen har åbnet dine oplysninger i perioden.', 'Nobody opened your information in the period.')],
    ['list', T('Disse personer har kun set dit navn på en liste', 'These people only saw your name in a list'), T('Ingen har set dit navn på en liste i perioden.', 'Nobody saw your name in a list in the period.')],
    ['report', T('Rapporter med tal, hvor du er talt med uden navn', 'Reports of figures that count you without your name'), T('Ingen rapporter i perioden.', 'No reports in the period.')],
  ];
  const denied = summary.items.filter((x) => x.outcome === 'denied');
  const doc = h('article.doc.access-doc', { lang },
    h('h1', T('Hvem har set dine oplysninger?', 'Who has looked at your information?')),
    h('p.doc-meta', `${T('Til', 'For')}: ${r.name}${r.date_of_birth ? `, ${T('født', 'born')} ${fmtD(r.date_of_birth)}` : ''}`),
    h('p.doc-meta', `${T('Periode', 'Period')}: ${fmtD(from)} – ${fmtD(to)}`),
    h('p', T('Du har ret til at vide, hvem der har set eller ændret dine oplysninger (databeskyttelsesforordningens artikel 15). Samspil er det system, som F-ACT-teamet i psykiatrien og dit botilbud bruger til at samarbejde om din behandling og støtte. Samspil skriver det ned, hver gang nogen ser eller ændrer dine oplysninger. Her står alle, der har gjort det i perioden: hvem de er, hvor de arbejder, hvornår og hvorfor.',
      'You have the right to know who has looked at or changed your information (Article 15 of the General Data Protection Regulation). Samspil is the system the F-ACT team of the psychiatric service and your residential facility use to work together on your treatment and support. Samspil writes it down every time someone looks at or changes your information. Below is everyone who did so in the period: who they are, where they work, when and why.')),
    groups.map(([k, title, none]) => {
      const rows = items.filter((x) => kindOf(x) === k);
      return h('section.doc-part', h('h2', title), rows.length ? table(title, heads, rows.map(rowOf), { hideCaption: true, cls: `access-${k}` }) : h('p', none));
    }),
    denied.length ? h('section.doc-part', h('h2', T('Forsøg, der blev afvist', 'Attempts that were refused')),
      h('p', T('Disse personer forsøgte at se dine oplysninger uden at have adgang. Samspil afviste det, og de så intet.', 'These people tried to look at your information without access. Samspil refused, and they saw nothing.')),
      table(T('Afviste forsøg', 'Refused attempts'), heads, denied.map(rowOf), { hideCaption: true, cls: 'access-denied' })) : null,
    h('p', T('Oversigten kommer fra Samspils adgangslog, som ingen kan ændre eller slette i. Har du spørgsmål, kan du tale med din kontaktperson eller skrive til den dataansvarlige.', 'This overview comes from the Samspil access log, which nobody can change or delete. If you have questions, talk to your contact person or write to the data controller.')),
    h('p.doc-meta', `${T('Udarbejdet', 'Prepared')} ${fmtD(dayISO())} ${T('af', 'by')} ${me ? `${me.name}, ${roleOf(me.role, lang)}, ${me.org_name || ''}` : ''}`));
  return h('div', h('p.no-print', h('a', { href: `#/audit/${id}` }, L('Tilbage til adgangsloggen', 'Back to the audit log'))),
    form, h('p.actions', printBtn), doc);
}
