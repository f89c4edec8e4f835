// Labels and small pieces shared by the views.
import { L, fmtDate, fmtDateTime, fmtDateLong } from '../i18n.js';
import { h, badge } from '../dom.js';
import { get } from '../api.js';

export const KIND = {
  fixed_visit: ['Fast besøg', 'Fixed visit'], extra_visit: ['Ekstra besøg', 'Extra visit'],
  home: ['Hjemmebesøg', 'Home visit'], phone: ['Telefon', 'Phone'], video: ['Video', 'Video'],
};
export const OUTCOME = {
  held: ['Gennemført', 'Held'], no_show: ['Udeblev', 'No-show'],
  cancelled_by_resident: ['Aflyst af beboeren', 'Cancelled by the resident'],
  cancelled_by_staff: ['Aflyst af personalet', 'Cancelled by staff'],
};
export const CONSENT_KIND = {
  share_summary_with_facility: ['Resuméer må deles med botilbuddet', 'Summaries may be shared with the facility'],
  relatives_may_attend: ['Pårørende må deltage', 'Relatives may attend'],
  partners_may_attend: ['Samarbejdspartnere må deltage', 'Partners may attend'],
};
export const CONSENT_STATE = {
  granted: ['Givet', 'Granted'], refused: ['Afvist', 'Refused'], withdrawn: ['Trukket tilbage', 'Withdrawn'],
  expired: ['Udløbet', 'Expired'], none: ['Ikke spurgt', 'Not asked'],
};
export const PRIORITY = { low: ['Lav', 'Low'], normal: ['Normal', 'Normal'], high: ['Høj', 'High'] };
export const AGREEMENT_STATUS = {
  draft: ['Kladde', 'Draft'], awaiting_signatures: ['Afventer underskrift', 'Awaiting signatures'],
  active: ['Gældende', 'Active'], expired: ['Udløbet', 'Expired'], terminated: ['Opsagt', 'Terminated'],
  superseded: ['Erstattet', 'Superseded'], renewed: ['Fornyet', 'Renewed'],
};
export const VISIT_STATUS = { planned: ['Planlagt', 'Planned'], held: ['Holdt', 'Held'], cancelled: ['Aflyst', 'Cancelled'] };
export const MEETING_KIND = {
  management: ['Ledelsessamarbejdsmøde', 'Management meeting'], network: ['Netværksmøde', 'Network meeting'],
  theme: ['Temamøde', 'Theme meeting'], teaching: ['Undervisning', 'Teaching'], other: ['Andet', 'Other'],
};
export function lbl(map, key) { const v = map[key]; return v ? L(v[0], v[1]) : (key ?? '–'); }

export function residentBadges(r) {
  const out = [];
  if (r.safety && r.safety.risk) out.push(badge(L('Sikkerhedsrisiko', 'Safety risk'), 'danger'));
  if (r.intensity === 'intensive') out.push(badge(L('Intensiv periode', 'Intensive period'), 'warn'));
  if (r.admitted) out.push(badge(L('Indlagt', 'Admitted'), 'info'));
  if (r.talk_requested_this_week) out.push(badge(L('Ønsker samtale (mandagsmail)', 'Talk requested (Monday mail)'), 'flag'));
  if (r.status === 'discharged') out.push(badge(L('Udskrevet fra botilbuddet', 'Moved out'), 'neutral'));
  const k = kipBadge(r);
  if (k) out.push(k);
  return h('span.badges', out);
}

/** The resident's KIP status in words (r.kip from the API: none, active, review_due). */
export function kipText(r) {
  const k = r.kip || {};
  if (k.status === 'review_due') return `${L('Opfølgning forfalden', 'Review due')}${k.next_review ? ` (${fmtDate(k.next_review)})` : ''}`;
  if (k.status === 'active') return `${L('Aktiv', 'Active')}${k.next_review ? `, ${L('næste opfølgning', 'next review')} ${fmtDate(k.next_review)}` : ''}`;
  return L('Ingen KIP i kraft', 'No KIP in force');
}

/** A badge for the KIP status: a plan in force, or its review due; none without a plan. */
export function kipBadge(r) {
  const k = r.kip || {};
  if (k.status === 'review_due') return badge(L('KIP: opfølgning forfalden', 'KIP: review due'), 'warn', kipText(r));
  if (k.status === 'active') return badge(L('KIP aktiv', 'KIP active'), 'ok', kipText(r));
  return null;
}

/** Short text for the consents of a resident: from GET /api/residents/{id}/consents. */
export function consentSummary(c) {
  if (!c) return h('span', '–');
  return h('ul.plain', c.current.map((x) => h('li', `${lbl(CONSENT_KIND, x.kind)}: `,
    h('strong', { class: x.in_force ? 'ok' : 'no' }, lbl(CONSENT_STATE, x.state)),
    x.latest && x.latest.valid_until ? ` (${L('til', 'until')} ${fmtDate(x.latest.valid_until)})` : '')));
}
export function consentInForce(c, kind) {
  const x = c && c.current.find((k) => k.kind === kind);
  return !!(x && x.in_force);
}

export function lastConversation(r) {
  return r.last_held_conversation_at ? fmtDateTime(r.last_held_conversation_at) : L('Ingen gennemført samtale endnu', 'No held conversation yet');
}

/** A padlock as an inline SVG (an emoji shows as an empty square where no emoji font is installed). */
export function lockIcon() {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  for (const [k, v] of Object.entries({ class: 'icon-lock', viewBox: '0 0 16 16', width: '16', height: '16', 'aria-hidden': 'true', focusable: 'false' })) svg.setAttribute(k, v);
  const shackle = document.createElementNS(NS, 'path');
  shackle.setAttribute('d', 'M4.5 7V5a3.5 3.5 0 0 1 7 0v2');
  shackle.setAttribute('fill', 'none');
  shackle.setAttribute('stroke', 'currentColor');
  shackle.setAttribute('stroke-width', '1.6');
  const body = document.createElementNS(NS, 'rect');
  for (const [k, v] of Object.entries({ x: '2.5', y: '7', width: '11', height: '8', rx: '1.5', fill: 'currentColor' })) body.setAttribute(k, v);
  svg.append(shackle, body);
  return svg;
}

/**
 * Why a summary is not shown, from the API's summary_hidden_reason and, for want of consent,
 * summary_consent_state and summary_hidden_since (x: the conversation or board item).
 */
export function summaryHidden(reason, x = {}) {
  if (reason === 'no_consent') {
    const since = x.summary_hidden_since ? fmtDateLong(x.summary_hidden_since) : null;
    const why = x.summary_consent_state === 'withdrawn' && since
      ? L(`beboeren trak sit samtykke til, at resuméer deles med botilbuddet, tilbage den ${since}.`, `the resident withdrew consent to sharing summaries with the facility on ${since}.`)
      : x.summary_consent_state === 'expired' && since
        ? L(`beboerens samtykke til, at resuméer deles med botilbuddet, er udløbet (det gjaldt til og med ${since}).`, `the resident's consent to sharing summaries with the facility has expired (it was valid until ${since}).`)
        : L('beboeren har ikke givet samtykke til, at resuméer deles med botilbuddet.', 'the resident has not consented to sharing summaries with the facility.');
    return h('p.hidden-reason', lockIcon(), ' ', L('Resuméet er skjult: ', 'The summary is hidden: '), why);
  }
  if (reason === 'not_written') return h('p.hidden-reason', L('Der er ikke skrevet et resumé af denne samtale.', 'No summary was written for this conversation.'));
  return null;
}

export function isRegion(me) { return me && (me.role === 'region_clinician' || me.role === 'region_manager'); }
export function isFacility(me) { return me && (me.role === 'facility_staff' || me.role === 'facility_manager'); }
export function isManager(me) { return me && (me.role === 'region_manager' || me.role === 'facility_manager'); }

/** All pages of a collection (small lists only). */
export async function all(path, max = 5) {
  let items = [];
  let url = path;
  for (let i = 0; i < max && url; i++) {
    const d = await get(url);
    items = items.concat(d.items || []);
    url = d.next ? `${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(d.next)}` : null;
  }
  return items;
}

let flash = null;
export function setFlash(text) { flash = text; }
export function takeFlash() {
  const f = flash; flash = null;
  // never null: views put it straight into the page with the DOM's own append(), which
  // writes null as the word "null"
  return f ? h('p.alert.alert-success.flash', { role: 'status' }, f) : document.createDocumentFragment();
}

/**
 * The caller's partner organisations as [id, name], by name: the other side's people (the
 * colleagues list, optionally already fetched) and the agreements. Never the resident list,
 * whose every read is audited as a look at each resident.
 */
export async function partnerOrgs(me, people) {
  const [staff, agreements] = await Promise.all([
    people ? Promise.resolve(people) : all('/api/colleagues?limit=200').catch(() => []),
    all('/api/agreements?limit=100').catch(() => [])]);
  const m = new Map();
  for (const u of staff) if (u.org_id !== me.org_id) m.set(u.org_id, u.org_name);
  for (const a of agreements) {
    if (isRegion(me)) m.set(a.facility_id, a.facility_name); else m.set(a.team_id, a.team_name);
  }
  return [...m.entries()].filter(([id, name]) => id && name).sort((x, y) => x[1].localeCompare(y[1], 'da'));
}
