// Agreements: overview, the document (printable A4 with both signatures), create/edit, lifecycle.
import { api, get, request, ApiError, newKey } from '../api.js';
import { L, fmtDate, fmtDateTime, fmtNum, fmtClock, isoWeekdayName, todayISO, personWithRole } from '../i18n.js';
import { h, field, bindForm, empty, section, link, badge, table, confirmDialog, errorBox, staleDiff, dl } from '../dom.js';
import { navigate } from '../app.js';
import { lbl, AGREEMENT_STATUS, isManager, all, takeFlash, setFlash, partnerOrgs } from './common.js';

export async function agreementsView({ me }) {
  const [items, report, meetings] = await Promise.all([
    all('/api/agreements?limit=100'),
    isManager(me) ? get('/api/reports/agreements').catch(() => ({ items: [] })) : { items: [] },
    get(`/api/meetings?kind=management&from=${todayISO()}`).catch(() => ({ items: [] }))]);
  const rep = Object.fromEntries(report.items.map((x) => [x.agreement_id, x]));
  const nextMeeting = (a) => (meetings.items || []).filter((m) => m.team_id === a.team_id && m.facility_id === a.facility_id && m.status === 'planned').sort((x, y) => x.starts_at.localeCompare(y.starts_at))[0];
  const wrap = h('div', h('h1', L('Samarbejdsaftaler', 'Agreements')), takeFlash());
  if (isManager(me)) wrap.append(h('p.actions', h('a.btn-primary', { href: '#/agreements/new' }, L('Ny aftale', 'New agreement'))));
  if (!items.length) { wrap.append(empty(L('Der er ingen aftaler endnu. Opret den første samarbejdsaftale.', 'There are no agreements yet. Create the first one.'))); return wrap; }
  wrap.append(table(L('Aftaler', 'Agreements'), [L('Aftale', 'Agreement'), L('Status', 'Status'), L('Gyldig', 'Valid'), L('Påmindelser', 'Reminders'), L('Faste besøg (12 uger)', 'Fixed visits (12 weeks)'), L('Mandagsmails til tiden', 'Monday mails on time'), L('Næste ledelsesmøde', 'Next management meeting')],
    items.map((a) => {
      const r = rep[a.id];
      const m = nextMeeting(a);
      const rem = [];
      if (a.reminders && a.reminders.expires_soon) rem.push(badge(`${L('Udløber om', 'Expires in')} ${a.days_to_expiry} ${L('dage', 'days')}`, 'warn'));
      if (a.reminders && a.reminders.management_meeting_overdue) rem.push(badge(L('Ledelsesmøde mangler', 'Management meeting overdue'), 'danger'));
      return [link(`#/agreements/${a.id}`, `${a.team_name} – ${a.facility_name}`), lbl(AGREEMENT_STATUS, a.status),
        a.valid_from ? `${fmtDate(a.valid_from)} – ${fmtDate(a.valid_to)}` : '–', rem.length ? rem : L('Ingen', 'None'),
        r ? `${r.fixed_visits_held_12w} ${L('af', 'of')} ${r.fixed_visits_planned_12w} ${L('holdt', 'held')}` : '–',
        r ? `${r.monday_mails_on_time_12w} ${L('af', 'of')} ${r.monday_mails_due_12w}` : '–',
        m ? fmtDateTime(m.starts_at) : L('Ikke planlagt', 'Not planned')];
    }), { rowHeader: true, hideCaption: true, scroll: true }));
  return wrap;
}

const TEXT_FIELDS = [
  ['purpose', 'Formål', 'Purpose'], ['target_group', 'Målgruppe', 'Target group'],
  ['team_tasks', 'F-ACT-teamets opgaver', "The F-ACT team's tasks"], ['facility_tasks', 'Botilbuddets opgaver', "The facility's tasks"],
  ['data_protection', 'Tavshedspligt og samtykke', 'Confidentiality and consent'], ['local_additions', 'Lokale tilføjelser', 'Local additions'],
];

export async function agreementView({ params, me }) {
  const res = await request('GET', `/api/agreements/${params.id}`);
  const a = res.data;
  const version = Number(res.etag || a.version);
  const people = a.team_contact_user_id || a.facility_contact_user_id ? await all('/api/colleagues?limit=200').catch(() => []) : [];
  const personName = (id) => { if (!id) return null; const u = people.find((x) => x.id === id); return u ? personWithRole(u.name, u.role) : L('(ikke længere aktiv)', '(no longer active)'); };
  const wrap = h('div.agreement');
  wrap.append(h('h1', `${L('Samarbejdsaftale', 'Collaboration agreement')}: ${a.team_name} – ${a.facility_name}`), takeFlash());
  const msg = h('div.no-print');
  const actions = h('div.actions.no-print');
  const run = async (label, fn, confirmOpts) => {
    if (confirmOpts && !(await confirmDialog(confirmOpts))) return;
    try { await fn(); setFlash(label); navigate(`/agreements/${a.id}?t=${Date.now()}`); } catch (e) { if (e instanceof ApiError) msg.replaceChildren(errorBox(e)); else throw e; }
  };
  if (isManager(me)) {
    const mySide = me.role === 'region_manager' ? 'team' : 'facility';
    const signed = (a.signatures || []).some((s) => s.side === mySide);
    if (a.status === 'draft') {
      actions.append(h('a.btn-secondary', { href: `#/agreements/${a.id}/edit` }, L('Redigér', 'Edit')));
      const b = h('button.btn-primary', { type: 'button' }, L('Send til underskrift', 'Send for signatures'));
      b.addEventListener('click', () => run(L('Aftalen er sendt til underskrift.', 'The agreement is sent for signatures.'), () => api.post(`/api/agreements/${a.id}/submit`, undefined, { ifMatch: version }),
        { title: L('Send til underskrift?', 'Send for signatures?'), body: L('Når aftalen er sendt til underskrift, kan indholdet ikke længere redigeres.', 'Once sent for signatures, the content can no longer be edited.'), confirm: L('Send til underskrift', 'Send for signatures') }));
      actions.append(b);
    }
    if (a.status === 'awaiting_signatures' && !signed) {
      const b = h('button.btn-primary', { type: 'button' }, mySide === 'team' ? L('Underskriv for F-ACT-teamet', 'Sign for the F-ACT team') : L('Underskriv for botilbuddet', 'Sign for the facility'));
      b.addEventListener('click', () => run(L('Aftalen er underskrevet.', 'The agreement is signed.'), () => api.post(`/api/agreements/${a.id}/sign`, { side: mySide }),
        { title: L('Underskriv aftalen?', 'Sign the agreement?'), body: [h('p', `${L('Du underskriver som', 'You sign as')} ${me.name} ${L('for', 'for')} ${me.org_name}.`), h('p', L('Underskriften er bindende og kan ikke trækkes tilbage. Når begge parter har underskrevet, træder aftalen i kraft, og de faste besøg lægges i kalenderen.', 'The signature is binding and cannot be withdrawn. When both sides have signed, the agreement takes effect and the fixed visits are put in the calendar.'))], confirm: L('Underskriv', 'Sign') }));
      actions.append(b);
    }
    if (a.status === 'active' || a.status === 'awaiting_signatures') {
      const b = h('button.btn-danger', { type: 'button' }, L('Opsig aftalen', 'Terminate the agreement'));
      b.addEventListener('click', () => run(L('Aftalen er opsagt.', 'The agreement is terminated.'), () => api.post(`/api/agreements/${a.id}/terminate`, undefined, { ifMatch: version }),
        { title: L('Opsig aftalen?', 'Terminate the agreement?'), body: L('Aftalen ophører, og fremtidige faste besøg fjernes fra kalenderen. Det kan ikke fortrydes.', 'The agreement ends and future fixed visits are removed from the calendar. This cannot be undone.'), confirm: L('Opsig', 'Terminate'), danger: true }));
      actions.append(b);
    }
    if (a.status === 'active' || a.status === 'expired') {
      const b = h('button.btn-secondary', { type: 'button' }, L('Forny aftalen', 'Renew the agreement'));
      const idem = newKey();
      b.addEventListener('click', async () => {
        if (!(await confirmDialog({ title: L('Forny aftalen?', 'Renew the agreement?'), body: L('Der oprettes en ny kladde med samme indhold, som begge parter skal underskrive.', 'A new draft with the same content is created, to be signed by both sides.'), confirm: L('Forny', 'Renew') }))) return;
        try { const r = await api.post(`/api/agreements/${a.id}/renew`, undefined, { idem }); setFlash(L('En ny aftale er oprettet som kladde.', 'A new agreement is created as a draft.')); navigate(`/agreements/${r.data.id}`); } catch (e) { if (e instanceof ApiError) msg.replaceChildren(errorBox(e)); else throw e; }
      });
      actions.append(b);
    }
  }
  const print = h('button.btn-secondary', { type: 'button' }, L('Udskriv (A4)', 'Print (A4)'));
  print.addEventListener('click', () => window.print());
  actions.append(print);
  wrap.append(msg, actions);

  const doc = h('article.doc', { 'aria-label': L('Aftalens tekst', 'The text of the agreement') },
    h('p.doc-status', `${L('Status', 'Status')}: `, h('strong', lbl(AGREEMENT_STATUS, a.status)), a.valid_from ? ` · ${L('Gyldig', 'Valid')} ${fmtDate(a.valid_from)} – ${fmtDate(a.valid_to)}` : '', ` · ${L('Version', 'Version')} ${a.version}`),
    h('h2', L('Parter', 'Parties')), dl([[L('F-ACT-team', 'F-ACT team'), a.team_name], [L('Botilbud', 'Facility'), a.facility_name]]));
  for (const [k, da, en] of TEXT_FIELDS) if (a[k]) doc.append(h('h2', L(da, en)), h('p.pre', a[k]));
  doc.append(h('h2', L('Fast tilstedeværelse og kontakt', 'Fixed presence and contact')), dl([
    [L('Fast tilstedeværelse', 'Fixed presence'), a.presence_every_weeks ? `${L('Hver', 'Every')} ${a.presence_every_weeks === 1 ? '' : `${a.presence_every_weeks}. `}${L('uge', 'week')}, ${isoWeekdayName(a.presence_weekday)} ${fmtClock(a.presence_start)}–${fmtClock(a.presence_end)}` : null],
    [L('Morgenmøder', 'Morning meetings'), a.joins_morning_meetings ? L('Teamet deltager', 'The team takes part') : L('Nej', 'No')],
    [L('Mandagsmail', 'Monday mail'), a.monday_mail_agreed ? `${L('Aftalt, senest kl.', 'Agreed, by')} ${a.monday_mail_deadline ? fmtClock(a.monday_mail_deadline) : '–'}` : L('Ikke aftalt', 'Not agreed')],
    [L('Ledelsesmøde', 'Management meeting'), a.management_every_months ? `${L('Hver', 'Every')} ${a.management_every_months}. ${L('måned', 'month')}` : null],
    [L('Besked om mandagsmailen til', 'Monday mail notice to'), a.monday_mail_agreed ? a.monday_mail_notify_email : null],
    [L('Kontaktperson i F-ACT-teamet', 'Contact person in the F-ACT team'), personName(a.team_contact_user_id)],
    [L('Kontaktperson på botilbuddet', 'Contact person at the facility'), personName(a.facility_contact_user_id)],
    [L('E-mail', 'E-mail'), a.contact_email], [L('Telefon', 'Phone'), a.contact_phone], [L('Video', 'Video'), a.contact_video]]));
  const sig = (side, title) => {
    const s = (a.signatures || []).find((x) => x.side === side);
    return h('div.signature', h('h3', title), s ? [h('p.sig-name', s.name), h('p', `${L('Underskrevet', 'Signed')} ${fmtDate(s.signed_at)}`)] : h('p.muted', L('Ikke underskrevet endnu', 'Not signed yet')), h('div.sig-line', { 'aria-hidden': 'true' }));
  };
  doc.append(h('h2', L('Underskrifter', 'Signatures')), h('div.signatures', sig('team', `${L('For', 'For')} ${a.team_name}`), sig('facility', `${L('For', 'For')} ${a.facility_name}`)));
  wrap.append(doc);
  if (a.status === 'active') wrap.append(await feedSection(a));
  return wrap;
}

async function feedSection(a) {
  const sec = h('section.card.no-print', h('h2', L('Abonnér på besøgskalenderen', 'Subscribe to the visit calendar')),
    h('p', L('Lav et abonnementslink til Outlook eller en anden kalender. Linket viser kun tidspunkter – ingen beboeroplysninger.', 'Create a subscription link for Outlook or another calendar. The link shows only times – no resident data.')));
  const out = h('div', { 'aria-live': 'polite' });
  const b = h('button.btn-secondary', { type: 'button' }, L('Lav abonnementslink', 'Create subscription link'));
  b.addEventListener('click', async () => {
    try {
      const r = await api.post(`/api/agreements/${a.id}/calendar-feeds`);
      const url = new URL(r.data.url, location.origin).href;
      out.replaceChildren(h('label', { for: 'feed-url' }, L('Link til kalenderabonnement (kopiér ind i Outlook: Tilføj kalender → Fra internettet)', 'Calendar subscription link (paste into Outlook: Add calendar → From the internet)')), h('input#feed-url', { type: 'text', readonly: true, value: url }));
    } catch (e) { if (e instanceof ApiError) out.replaceChildren(errorBox(e)); else throw e; }
  });
  sec.append(b, out);
  return sec;
}

export async function agreementEditView({ params, me }) {
  let a = null; let version = null;
  if (params.id) { const r = await request('GET', `/api/agreements/${params.id}`); a = r.data; version = Number(r.etag || a.version); }
  const people = await all('/api/colleagues?limit=200').catch(() => []);
  const orgs = a ? [] : await partnerOrgs(me, people);
  const regionRoles = ['region_clinician', 'region_manager'];
  const ownOrgOfSide = (side) => (a ? (side === 'team' ? a.team_id : a.facility_id) : null);
  // the contact person of each side: the people of that side's organisation
  const contactOptions = (side, partnerId) => {
    const org = ownOrgOfSide(side) || ((side === 'team') === (me.role === 'region_manager') ? me.org_id : partnerId);
    const list = people.filter((u) => (side === 'team' ? regionRoles.includes(u.role) : !regionRoles.includes(u.role)) && (!org || u.org_id === org));
    return [['', L('Ingen valgt', 'None chosen')], ...list.map((u) => [u.id, personWithRole(u.name, u.role)])];
  };
  const v = a || { presence_every_weeks: 2, presence_weekday: 3, presence_start: '09:00', presence_end: '12:00', monday_mail_agreed: true, monday_mail_deadline: '12:00', management_every_months: 6, valid_from: todayISO(), valid_to: `${Number(todayISO().slice(0, 4)) + 2}${todayISO().slice(4)}` };
  const form = h('form.card', { action: '#' },
    a ? null : field('partner', me.role === 'region_manager' ? L('Botilbud', 'Facility') : L('F-ACT-team', 'F-ACT team'), { kind: 'select', required: true, options: [['', L('Vælg', 'Choose')], ...orgs] }),
    TEXT_FIELDS.map(([k, da, en]) => field(k, L(da, en), { kind: 'textarea', rows: 3, value: v[k] || '' })),
    h('div.grid2',
      field('presence_every_weeks', L('Fast tilstedeværelse hver … uge', 'Fixed presence every … weeks'), { kind: 'number', min: 1, max: 12, value: v.presence_every_weeks }),
      field('presence_weekday', L('Ugedag', 'Weekday'), { kind: 'select', value: String(v.presence_weekday || 3), options: [1, 2, 3, 4, 5, 6, 7].map((n) => [String(n), isoWeekdayName(n)]) }),
      field('presence_start', L('Fra kl.', 'From'), { kind: 'time', value: v.presence_start }),
      field('presence_end', L('Til kl.', 'To'), { kind: 'time', value: v.presence_end }),
      field('contact_email', L('Kontakt-e-mail', 'Contact e-mail'), { kind: 'email', value: v.contact_email || '' }),
      field('contact_phone', L('Telefon', 'Phone'), { kind: 'tel', value: v.contact_phone || '' }),
      field('contact_video', L('Video', 'Video'), { value: v.contact_video || '' }),
      field('management_every_months', L('Ledelsesmøde hver … måned', 'Management meeting every … months'), { kind: 'number', min: 1, max: 24, value: v.management_every_months }),
      field('monday_mail_deadline', L('Mandagsmail senest kl.', 'Monday mail by'), { kind: 'time', value: v.monday_mail_deadline || '12:00' }),
      field('monday_mail_notify_email', L('Besked om mandagsmailen sendes til (e-mail)', 'Notice of the Monday mail goes to (e-mail)'), { kind: 'email', value: v.monday_mail_notify_email || '', hint: L('Fx teamets fælles postkasse. Tom: ingen besked.', "E.g. the team's shared mailbox. Empty: no notice.") }),
      field('team_contact_user_id', L('Kontaktperson i F-ACT-teamet', 'Contact person in the F-ACT team'), { kind: 'select', value: v.team_contact_user_id || '', options: contactOptions('team') }),
      field('facility_contact_user_id', L('Kontaktperson på botilbuddet', 'Contact person at the facility'), { kind: 'select', value: v.facility_contact_user_id || '', options: contactOptions('facility') }),
      field('valid_from', L('Gyldig fra', 'Valid from'), { kind: 'date', value: v.valid_from || '' }),
      field('valid_to', L('Gyldig til', 'Valid to'), { kind: 'date', value: v.valid_to || '' })),
    field('joins_morning_meetings', L('Teamet deltager i botilbuddets morgenmøder', "The team joins the facility's morning meetings"), { kind: 'checkbox', value: v.joins_morning_meetings }),
    field('monday_mail_agreed', L('Mandagsmail er aftalt', 'A Monday mail is agreed'), { kind: 'checkbox', value: v.monday_mail_agreed }),
    h('div.actions', h('button.btn-primary', { type: 'submit' }, a ? L('Gem ændringer', 'Save changes') : L('Opret kladde', 'Create draft')), h('a.btn-secondary', { href: a ? `#/agreements/${a.id}` : '#/agreements' }, L('Annullér', 'Cancel'))));
  if (!a) {
    const partnerSide = me.role === 'region_manager' ? 'facility' : 'team';
    const sel = form.querySelector('select[name="partner"]');
    const other = form.querySelector(`select[name="${partnerSide}_contact_user_id"]`);
    const fill = () => { const keep = other.value; other.replaceChildren(...contactOptions(partnerSide, sel.value || '-').map(([id, t]) => h('option', { value: id }, t))); other.value = keep; if (other.value !== keep) other.value = ''; };
    sel.addEventListener('change', fill);
    fill();
  }
  bindForm(form, `agreement:${params.id || 'new'}`, async (x, idem) => {
    const body = {};
    for (const [k] of TEXT_FIELDS) body[k] = x[k];
    for (const k of ['presence_every_weeks', 'presence_weekday', 'management_every_months']) if (x[k] !== '') body[k] = Number(x[k]);
    for (const k of ['presence_start', 'presence_end', 'monday_mail_deadline', 'valid_from', 'valid_to', 'contact_email', 'contact_phone', 'contact_video']) if (x[k]) body[k] = x[k];
    body.monday_mail_notify_email = x.monday_mail_notify_email || '';
    body.team_contact_user_id = x.team_contact_user_id || null;
    body.facility_contact_user_id = x.facility_contact_user_id || null;
    body.joins_morning_meetings = !!x.joins_morning_meetings;
    body.monday_mail_agreed = !!x.monday_mail_agreed;
    if (a) {
      await api.patch(`/api/agreements/${a.id}`, body, { ifMatch: version });
      setFlash(L('Ændringerne er gemt.', 'The changes are saved.'));
      navigate(`/agreements/${a.id}`);
    } else {
      if (me.role === 'region_manager') { body.team_id = me.org_id; body.facility_id = x.partner; } else { body.facility_id = me.org_id; body.team_id = x.partner; }
      const r = await api.post('/api/agreements', body, { idem });
      setFlash(L('Aftalen er oprettet som kladde.', 'The agreement is created as a draft.'));
      navigate(`/agreements/${r.data.id}`);
    }
  }, { describeStale: (cur, mine) => staleDiff(cur, mine, Object.fromEntries(TEXT_FIELDS.map(([k, da, en]) => [k, L(da, en)]))) });
  return h('div', h('h1', a ? L('Redigér aftale', 'Edit agreement') : L('Ny samarbejdsaftale', 'New agreement')), form);
}

