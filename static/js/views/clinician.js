// The clinician's day: today's visit with its agenda, logging a conversation, the F-ACT board.
import { api, get } from '../api.js';
import { L, fmtDate, fmtTime, fmtDateTime, weekdayName, todayISO, dayISO, isoWeek, nowLocalInput, localInputToISO } from '../i18n.js';
import { h, field, radios, bindForm, empty, section, link, announce, uid, badge, formValues, showInBox } from '../dom.js';
import { navigate } from '../app.js';
import { residentBadges, kipText, consentSummary, consentInForce, lastConversation, lbl, KIND, OUTCOME, PRIORITY, summaryHidden, all, setFlash, takeFlash } from './common.js';

/** Today's visit (also once a conversation has marked it held), else the next planned one. */
async function nextFixedVisit() {
  const visits = ((await get(`/api/visits?from=${todayISO()}&limit=50`)).items || []).sort((a, b) => a.starts_at.localeCompare(b.starts_at));
  const today = visits.filter((v) => v.status !== 'cancelled' && dayISO(v.starts_at) === todayISO());
  const planned = visits.filter((v) => v.status === 'planned');
  return today.find((v) => v.kind === 'fixed') || today[0] || planned.find((v) => v.kind === 'fixed') || planned[0] || null;
}

export async function todayView() {
  const [visit, residents] = await Promise.all([nextFixedVisit(), all('/api/residents?status=active&limit=200')]);
  const wrap = h('div');
  const flash = takeFlash();
  const isToday = visit && dayISO(visit.starts_at) === todayISO();
  wrap.append(h('h1', isToday ? L('Dagens besøg', "Today's visit") : L('Næste faste besøg', 'Next fixed visit')));
  if (flash) wrap.append(flash);
  if (!visit) {
    wrap.append(empty(L('Der er ingen planlagte besøg. Når en samarbejdsaftale er underskrevet, lægges de faste besøg i kalenderen.', 'There are no planned visits. When an agreement is signed, the fixed visits are put in the calendar.'), link('#/calendar', L('Åbn kalenderen', 'Open the calendar'))));
  }
  const facilityName = (id) => (residents.find((r) => r.facility_id === id) || {}).facility_name || '';
  if (visit) {
    wrap.append(h('p.lead', h('strong', `${weekdayName(visit.starts_at)} ${fmtDate(visit.starts_at)}, ${fmtTime(visit.starts_at)}–${fmtTime(visit.ends_at)}`), ` · ${facilityName(visit.facility_id)}`, visit.kind === 'fixed' ? ` · ${L('fast tilstedeværelse', 'fixed presence')}` : ''));
  }
  // the agenda: residents on this visit's agenda or flagged in this week's Monday mail, flagged first
  const atVisit = visit ? residents.filter((r) => r.facility_id === visit.facility_id) : residents;
  const agenda = atVisit.filter((r) => r.talk_requested_this_week || (r.next_planned_conversation && r.next_planned_conversation.on_agenda && visit && r.next_planned_conversation.visit_id === visit.id));
  agenda.sort((a, b) => Number(b.talk_requested_this_week) - Number(a.talk_requested_this_week) || a.name.localeCompare(b.name, 'da'));
  // the Monday mail entries of this week, for the status text and priority
  let entries = {};
  if (visit) {
    try {
      const mail = await get(`/api/monday-mail?facility=${visit.facility_id}&week=${isoWeek()}`);
      for (const e of mail.entries || []) entries[e.resident_id] = e;
    } catch { entries = {}; }
  }
  const consents = {};
  await Promise.all(agenda.map(async (r) => {
    try { consents[r.id] = await get(`/api/residents/${r.id}/consents`); } catch { consents[r.id] = null; }
  }));
  const agendaSec = section(L('Dagsorden', 'Agenda'));
  if (!agenda.length) {
    agendaSec.append(empty(L('Ingen beboere er sat på dagsordenen endnu. Botilbuddet melder behov for samtaler i mandagsmailen; du kan også logge en samtale med en beboer nedenfor.', 'No residents are on the agenda yet. The facility asks for talks in the Monday mail; you can also log a conversation with a resident below.')));
  } else {
    const list = h('ol.cards', { 'aria-label': L('Beboere på dagsordenen', 'Residents on the agenda') });
    for (const r of agenda) {
      const e = entries[r.id];
      const headId = uid('res');
      list.append(h('li.card.resident-card', { 'aria-labelledby': headId },
        h('h3', { id: headId }, link(`#/residents/${r.id}`, r.name)),
        residentBadges(r),
        e && e.needs_talk ? h('p.monday', h('strong', `${L('Mandagsmail', 'Monday mail')} (${L('prioritet', 'priority')} ${lbl(PRIORITY, e.priority).toLowerCase()}): `), e.status_text || '–') : null,
        h('dl.facts',
          h('dt', L('Seneste samtale', 'Last conversation')), h('dd', lastConversation(r)),
          h('dt', L('Samtykke', 'Consent')), h('dd', consentSummary(consents[r.id])),
          h('dt', L('Sikkerhedsrisiko', 'Safety risk')), h('dd', r.safety && r.safety.risk ? h('strong.no', L('Ja – kontaktperson eller anden kendt medarbejder skal deltage', 'Yes – the contact person or another staff member who knows the resident must take part')) : L('Nej', 'No')),
          h('dt', L('Indlagt', 'Admitted')), h('dd', r.admitted ? L('Ja', 'Yes') : L('Nej', 'No')),
          h('dt', L('Kontaktperson', 'Contact person')), h('dd', r.contact_person_name || L('Ingen', 'None'))),
        h('div.actions',
          h('a.btn-primary', { href: `#/log/${r.id}${visit ? `?visit=${visit.id}` : ''}` }, L('Log samtale', 'Log conversation'), h('span.visually-hidden', ` ${L('med', 'with')} ${r.name}`)),
          h('a.btn-secondary', { href: `#/residents/${r.id}` }, L('Historik og KIP', 'History and KIP'), h('span.visually-hidden', ` ${L('for', 'for')} ${r.name}`)))));
    }
    agendaSec.append(list);
  }
  wrap.append(agendaSec);
  const others = atVisit.filter((r) => !agenda.includes(r));
  if (others.length) {
    wrap.append(section(L('Andre beboere', 'Other residents'),
      h('ul.rows', others.map((r) => h('li', link(`#/residents/${r.id}`, r.name), ' ', residentBadges(r), ' ',
        h('a.btn-small', { href: `#/log/${r.id}${visit ? `?visit=${visit.id}` : ''}` }, L('Log samtale', 'Log conversation'), h('span.visually-hidden', ` ${L('med', 'with')} ${r.name}`)))))));
  }
  return wrap;
}

export async function logView({ params, query }) {
  const id = params.id;
  const [r, consents] = await Promise.all([get(`/api/residents/${id}`), get(`/api/residents/${id}/consents`)]);
  // the facility's other staff, any of whom may be the one who knows the resident well
  const staff = (await all(`/api/colleagues?org_id=${r.facility_id}&limit=200`).catch(() => []))
    .filter((u) => u.id !== r.contact_person_id && (u.role === 'facility_staff' || u.role === 'facility_manager'));
  const visitId = query.get('visit');
  const relativesOk = consentInForce(consents, 'relatives_may_attend');
  const partnersOk = consentInForce(consents, 'partners_may_attend');
  const shareOk = consentInForce(consents, 'share_summary_with_facility');
  const partnerConsent = consents.current.find((c) => c.kind === 'partners_may_attend');
  const namedPartners = (partnerConsent && partnerConsent.latest && partnerConsent.latest.partners) || [];
  const risk = !!(r.safety && r.safety.risk);

  const ruleBox = h('div.rules', { id: 'rules', 'aria-live': 'polite' });
  const submit = h('button.btn-primary', { type: 'submit', 'aria-describedby': 'rules' }, L('Gem samtale', 'Save conversation'));
  const form = h('form.card', { action: '#' },
    h('div.grid2',
      field('occurred_at', L('Tidspunkt', 'Time'), { kind: 'datetime-local', required: true, value: nowLocalInput() }),
      radios('kind', L('Form', 'Kind'), Object.keys(KIND).map((k) => [k, lbl(KIND, k)]), visitId ? 'fixed_visit' : 'home')),
    radios('outcome', L('Udfald', 'Outcome'), Object.keys(OUTCOME).map((k) => [k, lbl(OUTCOME, k)]), 'held'),
    h('fieldset.field', { dataset: { field: 'participants' } }, h('legend', L('Deltagere', 'Participants')),
      field('contact_person_present', r.contact_person_name ? `${L('Kontaktpersonen deltog', 'The contact person took part')} (${r.contact_person_name})` : L('Kontaktperson eller anden medarbejder, der kender beboeren, deltog', 'The contact person or another staff member who knows the resident took part'), { kind: 'checkbox', value: true }),
      h('fieldset.field.staff-present', { dataset: { field: 'staff_present_ids' } },
        h('legend', L('Andre medarbejdere fra botilbuddet, der deltog', 'Other facility staff who took part')),
        staff.length
          ? h('div.checks', staff.map((u) => field(`staff.${u.id}`, u.role === 'facility_manager' ? `${u.name} (${L('leder', 'manager')})` : u.name, { kind: 'checkbox' })))
          : h('p.hint', L('Botilbuddet har ingen andre medarbejdere i Samspil.', 'The facility has no other staff in Samspil.'))),
      field('relatives', L('Pårørende (navne, adskilt med komma)', 'Relatives (names, separated by commas)'), { disabled: !relativesOk, hint: relativesOk ? L('Beboeren har givet samtykke til, at pårørende deltager.', 'The resident has consented to relatives taking part.') : L('Ikke muligt: beboeren har ikke et gældende samtykke til, at pårørende deltager. Registrér samtykket først.', 'Not possible: the resident has no consent in force for relatives to take part. Record the consent first.') }),
      field('partners', L('Samarbejdspartnere (navne, adskilt med komma)', 'Partners (names, separated by commas)'), { disabled: !partnersOk, hint: partnersOk ? `${L('Kun partnere nævnt i samtykket', 'Only partners named in the consent')}: ${namedPartners.join(', ') || '–'}` : L('Ikke muligt: beboeren har ikke et gældende samtykke til, at samarbejdspartnere deltager.', 'Not possible: the resident has no consent in force for partners to take part.') })),
    field('summary', L('Resumé til fælles brug', 'Shared summary'), { kind: 'textarea', rows: 3, hint: shareOk ? L('Botilbuddet kan læse resuméet (beboeren har givet samtykke).', 'The facility can read the summary (the resident has consented).') : L('Botilbuddet kan ikke se resuméet: beboeren har ikke givet samtykke til deling.', 'The facility cannot see the summary: the resident has not consented to sharing.') }),
    field('clinical_note', L('Klinisk notat (kun teamet)', 'Clinical note (team only)'), { kind: 'textarea', rows: 3, hint: L('Notatet vises aldrig for botilbuddet.', 'The note is never shown to the facility.') }),
    ruleBox,
    h('div.actions', submit, h('a.btn-secondary', { href: '#/today' }, L('Tilbage', 'Back'))));

  const staffIds = (v) => staff.filter((u) => v[`staff.${u.id}`]).map((u) => u.id);
  const names = (s) => String(s || '').split(',').map((x) => x.trim()).filter(Boolean);
  function checkRules(v) {
    const msgs = [];
    let block = null;
    if (risk) {
      const ok = v.outcome !== 'held' || v.contact_person_present || staffIds(v).length > 0;
      msgs.push(h(`p.rule.${ok ? 'rule-ok' : 'rule-block'}`, h('strong', L('Sikkerhedsrisiko er vurderet. ', 'A safety risk is assessed. ')),
        L('Kontaktpersonen eller en anden medarbejder, der kender beboeren, skal deltage i en gennemført samtale.', 'The contact person or another staff member who knows the resident must take part in a held conversation.'),
        ok ? '' : h('span', ' ', L('Sæt flueben ved kontaktpersonen eller en anden medarbejder, der kender beboeren, eller vælg et andet udfald – ellers kan samtalen ikke gemmes.', 'Tick the contact person or another staff member who knows the resident, or choose another outcome – otherwise the conversation cannot be saved.'))));
      if (!ok) block = 'safety';
    }
    if (names(v.partners).length && namedPartners.length) {
      const unknown = names(v.partners).filter((p) => !namedPartners.some((n) => n.toLowerCase() === p.toLowerCase()));
      if (unknown.length) {
        msgs.push(h('p.rule.rule-block', `${L('Ikke nævnt i samtykket', 'Not named in the consent')}: ${unknown.join(', ')}.`));
        block = block || 'partners';
      }
    }
    if (!shareOk && String(v.summary || '').trim()) msgs.push(h('p.rule.rule-info', L('Resuméet gemmes, men botilbuddet kan ikke se det uden beboerens samtykke.', 'The summary is saved, but the facility cannot see it without the resident’s consent.')));
    showInBox(ruleBox, msgs);
    submit.disabled = !!block;
    return block;
  }
  bindForm(form, `log:${id}`, async (v, idem) => {
    if (checkRules(v)) return;
    await api.post('/api/conversations', {
      resident_id: id, visit_id: visitId || null, occurred_at: localInputToISO(v.occurred_at),
      kind: v.kind, outcome: v.outcome, contact_person_present: !!v.contact_person_present, staff_present_ids: staffIds(v),
      relatives: names(v.relatives), partners: names(v.partners),
      summary: v.summary || null, clinical_note: v.clinical_note || null,
    }, { idem });
    setFlash(`${L('Samtalen med', 'The conversation with')} ${r.name} ${L('er gemt.', 'is saved.')}`);
    announce(L('Samtalen er gemt', 'The conversation is saved'));
    navigate(`/residents/${id}`);
  }, { onChange: checkRules, afterSubmit: () => checkRules(formValues(form)) });

  return h('div',
    h('h1', `${L('Log samtale', 'Log conversation')}: ${r.name}`),
    residentBadges(r),
    risk ? h('div.alert.alert-danger', h('p', h('strong', L('Sikkerhedsrisiko', 'Safety risk')), ': ', r.safety.note || L('vurderet af teamet', 'assessed by the team'), r.safety.assessed_at ? ` (${fmtDate(r.safety.assessed_at)})` : '')) : null,
    form);
}

export async function boardView({ me }) {
  const items = await all('/api/board?limit=200');
  const reason = { intensive: ['Intensiv periode', 'Intensive period'], talk_requested: ['Ønsker samtale', 'Talk requested'], admitted: ['Indlagt', 'Admitted'] };
  const wrap = h('div', h('h1', L('F-ACT-tavle', 'F-ACT board')),
    h('p', L('Beboere i en intensiv periode, indlagte og beboere, som botilbuddet har meldt behov for samtale for.', 'Residents in an intensive period, admitted, or with a talk requested by the facility.')));
  if (!items.length) { wrap.append(empty(L('Ingen beboere er på tavlen lige nu.', 'No residents are on the board now.'))); return wrap; }
  const list = h('ul.cards');
  for (const r of items) {
    const id = uid('b');
    list.append(h('li.card', { 'aria-labelledby': id },
      h('h2.h3', { id }, link(`#/residents/${r.id}`, r.name)),
      h('p', r.on_board_because.map((x) => badge(lbl(reason, x), x === 'admitted' ? 'info' : x === 'intensive' ? 'warn' : 'flag')), r.safety && r.safety.risk ? badge(L('Sikkerhedsrisiko', 'Safety risk'), 'danger') : null),
      h('dl.facts',
        r.intensity === 'intensive' ? [h('dt', L('Intensiv siden', 'Intensive since')), h('dd', fmtDate(r.intensity_changed_at), r.intensity_reason ? ` – ${r.intensity_reason}` : '')] : null,
        h('dt', L('Seneste samtale', 'Last conversation')), h('dd', lastConversation(r)),
        h('dt', L('Næste samtale', 'Next conversation')), h('dd', r.next_planned_conversation ? fmtDateTime(r.next_planned_conversation.starts_at) : '–'),
        h('dt', 'KIP'), h('dd', kipText(r)),
        h('dt', L('Seneste resumé', 'Latest summary')), h('dd', r.summary_hidden_reason ? summaryHidden(r.summary_hidden_reason, r) : (r.latest_summary ? [r.latest_summary, ` (${fmtDate(r.latest_summary_at)})`] : '–'))),
      me.role === 'region_clinician' ? h('p', h('a.btn-small', { href: `#/log/${r.id}` }, L('Log samtale', 'Log conversation'), h('span.visually-hidden', ` ${L('med', 'with')} ${r.name}`))) : null));
  }
  wrap.append(list);
  return wrap;
}
