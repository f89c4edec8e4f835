// A resident: the list, the page with history, intensity, admissions; KIP with versions; consents.
import { api, get, request, ApiError } from '../api.js';
import { L, fmtDate, fmtDateTime, todayISO, isoToLocalInput, localInputToISO } from '../i18n.js';
import { h, field, radios, bindForm, empty, section, link, announce, uid, badge, dl, table, staleDiff, errorBox } from '../dom.js';
import { navigate } from '../app.js';
import { residentBadges, kipText, consentSummary, lastConversation, lbl, KIND, OUTCOME, CONSENT_KIND, CONSENT_STATE, summaryHidden, all, isRegion, isManager, takeFlash, setFlash } from './common.js';

export async function residentsView({ me, query }) {
  const q = (query.get('q') || '').toLowerCase();
  const items = await all('/api/residents?limit=200');
  const input = h('input', { id: 'res-filter', type: 'search', value: q, autocomplete: 'off' });
  const listBox = h('div');
  const draw = () => {
    const f = input.value.trim().toLowerCase();
    const shown = items.filter((r) => !f || r.name.toLowerCase().includes(f));
    listBox.replaceChildren(shown.length ? table(L('Beboere', 'Residents'), [L('Navn', 'Name'), L('Botilbud', 'Facility'), L('Kontaktperson', 'Contact person'), L('Seneste samtale', 'Last conversation'), L('Status', 'Status')],
      shown.map((r) => [link(`#/residents/${r.id}`, r.name), r.facility_name, r.contact_person_name || '–', lastConversation(r), residentBadges(r)]), { rowHeader: true, hideCaption: true })
      : empty(L('Ingen beboere matcher.', 'No residents match.')));
  };
  input.addEventListener('input', draw);
  draw();
  return h('div', h('h1', L('Beboere', 'Residents')),
    h('div.field.inline', h('label', { for: 'res-filter' }, L('Søg efter navn', 'Search by name')), input),
    listBox);
}

function conversationItem(cv, me) {
  const p = cv.participants || {};
  const who = [
    ...(p.clinicians || []).map((c) => c.name),
    p.contact_person_present ? L('kontaktperson', 'contact person') : null,
    ...(p.staff_present || []).map((c) => c.name),
    ...(p.relatives || []).map((x) => `${x} (${L('pårørende', 'relative')})`),
    ...(p.partners || []).map((x) => `${x} (${L('partner', 'partner')})`),
  ].filter(Boolean).join(', ');
  const when = `${fmtDateTime(cv.occurred_at)} · ${lbl(KIND, cv.kind)}`;
  const fix = cv.correction;
  const mine = me && me.role === 'region_clinician' && me.id === cv.created_by;
  return h('li.card.conv',
    h('h3.h4', `${when} · `, h('span', { class: cv.outcome === 'held' ? 'ok' : 'no' }, lbl(OUTCOME, cv.outcome))),
    h('p.muted', `${L('Deltagere', 'Participants')}: ${who || '–'}`),
    cv.summary ? h('div', h('h4.h5', L('Resumé', 'Summary')), h('p.pre', cv.summary)) : summaryHidden(cv.summary_hidden_reason, cv),
    'clinical_note' in cv
      ? (cv.clinical_note ? h('div.note', h('h4.h5', L('Klinisk notat', 'Clinical note')), h('p.pre', cv.clinical_note)) : null)
      : null,
    fix ? h('p.correction', badge(L('Rettet', 'Corrected'), 'info'), ` ${fmtDateTime(fix.at)} ${L('af', 'by')} ${fix.by_name || '–'}: ${fix.reason} `,
      link(`#/conversations/${cv.id}/history`, L('Se tidligere udgaver', 'See earlier versions'))) : null,
    mine ? h('p', h('a.btn-small', { href: `#/conversations/${cv.id}/correct` }, L('Ret samtalen', 'Correct the conversation'), h('span.visually-hidden', ` ${when}`))) : null);
}

/** Correct a conversation (its author): what changed and why; the earlier version is kept. */
export async function conversationCorrectView({ params }) {
  const res = await request('GET', `/api/conversations/${params.id}`);
  const cv = res.data;
  let version = Number(res.etag || cv.version);
  const r = await get(`/api/residents/${cv.resident_id}`);
  const p = cv.participants;
  const form = h('form.card', { action: '#' },
    h('p', L('Den oprindelige udgave gemmes og kan altid ses. Botilbuddet ser rettelsen og begrundelsen, men ikke et tidligere resumé.', 'The original version is kept and can always be seen. The facility sees the correction and the reason, but not an earlier summary.')),
    h('div.grid2',
      field('occurred_at', L('Tidspunkt', 'Time'), { kind: 'datetime-local', required: true, value: isoToLocalInput(cv.occurred_at) }),
      field('kind', L('Form', 'Kind'), { kind: 'select', value: cv.kind, options: Object.keys(KIND).map((k) => [k, lbl(KIND, k)]) }),
      field('outcome', L('Udfald', 'Outcome'), { kind: 'select', value: cv.outcome, options: Object.keys(OUTCOME).map((k) => [k, lbl(OUTCOME, k)]) })),
    field('contact_person_present', L('Kontaktpersonen eller en anden medarbejder, der kender beboeren, deltog', 'The contact person or another staff member who knows the resident took part'), { kind: 'checkbox', value: p.contact_person_present }),
    field('relatives', L('Pårørende (navne, adskilt med komma)', 'Relatives (names, separated by commas)'), { value: (p.relatives || []).join(', '), hint: L('Nye navne kræver beboerens gældende samtykke.', "New names need the resident's consent in force.") }),
    field('partners', L('Samarbejdspartnere (navne, adskilt med komma)', 'Partners (names, separated by commas)'), { value: (p.partners || []).join(', ') }),
    field('summary', L('Resumé til fælles brug', 'Shared summary'), { kind: 'textarea', rows: 3, value: cv.summary || '', hint: L('Tøm feltet for at trække resuméet tilbage fra botilbuddet (fx skrevet på den forkerte beboer).', 'Empty the field to withdraw the summary from the facility (e.g. written in the wrong resident).') }),
    field('clinical_note', L('Klinisk notat (kun teamet)', 'Clinical note (team only)'), { kind: 'textarea', rows: 3, value: cv.clinical_note || '' }),
    field('reason', L('Hvorfor rettes samtalen?', 'Why is the conversation corrected?'), { required: true, kind: 'textarea', rows: 2 }),
    h('div.actions', h('button.btn-primary', { type: 'submit' }, L('Gem rettelsen', 'Save the correction')), h('a.btn-secondary', { href: `#/residents/${cv.resident_id}` }, L('Annullér', 'Cancel'))));
  const names = (x) => String(x || '').split(',').map((y) => y.trim()).filter(Boolean);
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  bindForm(form, `correct:${cv.id}`, async (v) => {
    const body = { reason: v.reason.trim() };
    const at = localInputToISO(v.occurred_at);
    if (new Date(at).getTime() !== new Date(cv.occurred_at).getTime()) body.occurred_at = at;
    if (v.kind !== cv.kind) body.kind = v.kind;
    if (v.outcome !== cv.outcome) body.outcome = v.outcome;
    if (!!v.contact_person_present !== p.contact_person_present) body.contact_person_present = !!v.contact_person_present;
    if (!same(names(v.relatives), p.relatives || [])) body.relatives = names(v.relatives);
    if (!same(names(v.partners), p.partners || [])) body.partners = names(v.partners);
    if ((v.summary || '').trim() !== (cv.summary || '')) body.summary = (v.summary || '').trim() || null;
    if ((v.clinical_note || '').trim() !== (cv.clinical_note || '')) body.clinical_note = (v.clinical_note || '').trim() || null;
    if (Object.keys(body).length === 1) throw new ApiError(422, { code: 'validation-failed', errors: [{ field: 'reason', reason: L('Intet er ændret endnu: ret et felt ovenfor først.', 'Nothing is changed yet: correct a field above first.') }] });
    await api.patch(`/api/conversations/${cv.id}`, body, { ifMatch: version });
    setFlash(L('Rettelsen er gemt. Den tidligere udgave er bevaret.', 'The correction is saved. The earlier version is kept.'));
    navigate(`/residents/${cv.resident_id}`);
  }, { describeStale: (cur, mine) => { version = cur.version; return staleDiff(cur, mine, { outcome: L('Udfald', 'Outcome'), kind: L('Form', 'Kind'), summary: L('Resumé', 'Summary'), clinical_note: L('Klinisk notat', 'Clinical note') }); } });
  return h('div', h('h1', `${L('Ret samtale', 'Correct conversation')}: ${r.name}`),
    h('p.muted', `${L('Logget', 'Logged')} ${fmtDateTime(cv.created_at)} · ${L('version', 'version')} ${cv.version}`), form);
}

/** Earlier versions of a conversation, newest first (the earlier texts for the team only). */
export async function conversationHistoryView({ params, me }) {
  const [cv, revs] = await Promise.all([get(`/api/conversations/${params.id}`), get(`/api/conversations/${params.id}/revisions`)]);
  const r = await get(`/api/residents/${cv.resident_id}`);
  const wrap = h('div', h('h1', `${L('Tidligere udgaver af samtalen', 'Earlier versions of the conversation')}: ${r.name}`),
    h('p', link(`#/residents/${cv.resident_id}`, `← ${L('Tilbage til beboeren', 'Back to the resident')}`)),
    section(`${L('Gældende udgave', 'Current version')} (${cv.version})`, h('ol.plain', conversationItem({ ...cv, correction: null }, null))));
  if (!revs.items.length) { wrap.append(empty(L('Samtalen er ikke rettet.', 'The conversation has not been corrected.'))); return wrap; }
  if (!isRegion(me)) wrap.append(h('p.hint', L('Tidligere resuméer og notater vises kun for F-ACT-teamet.', 'Earlier summaries and notes are shown to the F-ACT team only.')));
  for (const x of revs.items) {
    wrap.append(section(`${L('Udgave', 'Version')} ${x.version} – ${L('erstattet', 'replaced')} ${fmtDateTime(x.replaced_at)} ${L('af', 'by')} ${x.replaced_by_name || '–'}`,
      h('p', h('strong', `${L('Begrundelse', 'Reason')}: `), x.reason),
      h('ol.plain', conversationItem({ ...x, summary_hidden_reason: 'summary' in x ? (x.summary ? null : 'not_written') : 'earlier', correction: null }, null))));
  }
  return wrap;
}

export async function residentView({ params, me }) {
  const id = params.id;
  const [r, convs, intensity, admissions] = await Promise.all([
    get(`/api/residents/${id}`), get(`/api/residents/${id}/conversations?limit=50`),
    get(`/api/residents/${id}/intensity`), get(`/api/residents/${id}/admissions`)]);
  const wrap = h('div', h('h1', r.name), takeFlash(), residentBadges(r));
  wrap.append(h('nav.subnav', { 'aria-label': L('Om beboeren', 'About the resident') }, h('ul',
    me.role === 'region_clinician' ? h('li', h('a.btn-primary', { href: `#/log/${id}` }, L('Log samtale', 'Log conversation'))) : null,
    h('li', h('a.btn-secondary', { href: `#/residents/${id}/kip` }, 'KIP')),
    h('li', h('a.btn-secondary', { href: `#/residents/${id}/consents` }, L('Samtykker', 'Consents'))),
    isManager(me) ? h('li', h('a.btn-secondary', { href: `#/residents/${id}/audit` }, L('Hvem har set beboeren?', 'Who looked at this resident?'))) : null)));
  wrap.append(section(L('Oplysninger', 'Details'), dl([
    [L('Født', 'Born'), fmtDate(r.date_of_birth)],
    [L('Botilbud', 'Facility'), r.facility_name],
    [L('F-ACT-team', 'F-ACT team'), r.team_name],
    [L('Kontaktperson', 'Contact person'), r.contact_person_name],
    [L('Behandler', 'Clinician'), r.responsible_clinician_name],
    [L('Intensitet', 'Intensity'), r.intensity === 'intensive' ? L('Intensiv', 'Intensive') : L('Standard', 'Standard')],
    ['KIP', kipText(r)],
    [L('Sikkerhedsrisiko', 'Safety risk'), r.safety.risk ? `${L('Ja', 'Yes')}${r.safety.note ? ` – ${r.safety.note}` : ''}` : L('Nej', 'No')],
    [L('Seneste samtale', 'Last conversation'), lastConversation(r)],
    [L('Næste planlagte samtale', 'Next planned conversation'), r.next_planned_conversation ? fmtDateTime(r.next_planned_conversation.starts_at) : null],
  ])));

  // intensity up or down, with a reason (the region)
  const intSec = section(L('Intensitet', 'Intensity'));
  if (isRegion(me)) {
    const target = r.intensity === 'intensive' ? 'standard' : 'intensive';
    const form = h('form', { action: '#' },
      h('p', r.intensity === 'intensive' ? L('Beboeren er i en intensiv periode og står på F-ACT-tavlen.', 'The resident is in an intensive period and on the F-ACT board.') : L('Beboeren følges med standard intensitet.', 'The resident is followed at standard intensity.')),
      field('reason', target === 'intensive' ? L('Begrundelse for at skrue op', 'Reason to turn up') : L('Begrundelse for at skrue ned', 'Reason to turn down'), { kind: 'textarea', rows: 2, required: true }),
      h('div.actions', h('button.btn-primary', { type: 'submit' }, target === 'intensive' ? L('Skru op til intensiv', 'Turn up to intensive') : L('Skru ned til standard', 'Turn down to standard'))));
    bindForm(form, `intensity:${id}:${target}`, async (v, idem) => {
      await api.post(`/api/residents/${id}/intensity`, { level: target, reason: v.reason }, { idem });
      setFlash(target === 'intensive' ? L('Intensiteten er skruet op.', 'Intensity turned up.') : L('Intensiteten er skruet ned.', 'Intensity turned down.'));
      navigate(`/residents/${id}`);
    });
    intSec.append(form);
  }
  const changes = (intensity && intensity.items) || [];
  const level = (x) => (x === 'intensive' ? L('Intensiv', 'Intensive') : x === 'standard' ? L('Standard', 'Standard') : x || '–');
  if (changes.length) {
    intSec.append(table(L('Ændringer i intensitet', 'Intensity changes'), [L('Dato', 'Date'), L('Ændring', 'Change'), L('Begrundelse', 'Reason'), L('Af', 'By')],
      changes.map((x) => [fmtDate(x.changed_at), `${level(x.from_level)} → ${level(x.to_level)}`, x.reason || '–', x.changed_by_name || '–'])));
  }
  // the facility cannot change the intensity: the section only when it has something to show
  if (isRegion(me) || changes.length) wrap.append(intSec);

  const hist = section(L('Samtaler', 'Conversations'));
  if (!convs.items.length) hist.append(empty(L('Der er ikke logget samtaler endnu.', 'No conversations logged yet.')));
  else hist.append(h('ol.plain', convs.items.map((cv) => conversationItem(cv, me))));
  wrap.append(hist);

  const adm = section(L('Indlæggelser', 'Admissions'));
  if (!admissions.items.length) adm.append(empty(L('Ingen registrerede indlæggelser.', 'No admissions recorded.')));
  else adm.append(table(L('Indlæggelser', 'Admissions'), [L('Indlagt', 'Admitted'), L('Udskrevet', 'Discharged'), L('Afsnit', 'Ward'), L('Tvang', 'Forced'), L('Besøg', 'Visits')],
    admissions.items.map((a) => [fmtDateTime(a.admitted_at), a.discharged_at ? fmtDateTime(a.discharged_at) : L('Stadig indlagt', 'Still admitted'), a.ward || '–', a.forced ? L('Ja', 'Yes') : L('Nej', 'No'), String(a.visit_count)]), { hideCaption: true }));
  if (me.role === 'facility_staff' || me.role === 'facility_manager') adm.append(h('p', link('#/admissions', L('Registrér indlæggelse, udskrivelse eller besøg', 'Record an admission, discharge or visit'))));
  wrap.append(adm);
  return wrap;
}

// ---- KIP ----
const KIP_STATUS = { draft: ['Kladde', 'Draft'], active: ['Aktiv', 'Active'], closed: ['Afsluttet', 'Closed'] };
const GOAL_STATUS = { open: ['Åben', 'Open'], achieved: ['Nået', 'Achieved'], dropped: ['Opgivet', 'Dropped'] };
const ACTION_STATUS = { open: ['Ikke startet', 'Open'], in_progress: ['I gang', 'In progress'], done: ['Udført', 'Done'], cancelled: ['Aflyst', 'Cancelled'] };
const SIDE = { municipality: ['Kommunen', 'Municipality'], region: ['Regionen', 'Region'], resident: ['Beboeren', 'Resident'], other: ['Andre', 'Other'] };
const NECESSARY = { resident: ['Beboeren', 'The resident'], relative: ['Pårørende', 'Relative'], outpatient_psychiatry: ['Ambulant psykiatri', 'Outpatient psychiatry'], substance_treatment: ['Misbrugsbehandling', 'Substance treatment'], general_practitioner: ['Egen læge', 'GP'] };
const AS_NEEDED = { municipal_support: ['Kommunal støtte', 'Municipal support'], contact_person: ['Kontaktperson', 'Contact person'], mentor: ['Mentor', 'Mentor'], housing_support: ['Bostøtte', 'Housing support'], psp: ['PSP (politi, social, psykiatri)', 'PSP (police, social, psychiatry)'], job_centre: ['Jobcenter', 'Job centre'] };

function participantList(list, map) {
  return h('ul.plain', (list || []).map((p) => h('li', lbl(map, p.role), p.name ? ` – ${p.name}` : '', p.organisation ? ` (${p.organisation})` : '')));
}

function goalView(g) {
  return h('li.goal', h('p', h('strong', g.title), ' ', badge(lbl(GOAL_STATUS, g.status || 'open'), g.status === 'achieved' ? 'ok' : 'neutral')),
    (g.actions || []).length ? table(L('Indsatser', 'Actions'), [L('Indsats', 'Action'), L('Ansvarlig', 'Responsible'), L('Frist', 'Due'), L('Status', 'Status')],
      g.actions.map((a) => [a.action, `${a.responsible}${a.responsible_side ? ` (${lbl(SIDE, a.responsible_side)})` : ''}`, a.due_date ? fmtDate(a.due_date) : '–', lbl(ACTION_STATUS, a.status)]), { hideCaption: true }) : null,
    (g.sub_goals || []).length ? h('ul.subgoals', g.sub_goals.map(goalView)) : null);
}

export async function kipView({ params }) {
  const id = params.id;
  const r = await get(`/api/residents/${id}`);
  let kip = null;
  try { kip = await get(`/api/residents/${id}/kip`); } catch (e) { if (!(e instanceof ApiError) || e.status !== 404) throw e; }
  const [versions, reviews] = await Promise.all([get(`/api/residents/${id}/kip/versions`), get(`/api/residents/${id}/kip/reviews`)]);
  const wrap = h('div', h('h1', `KIP: ${r.name}`), takeFlash(), h('p', link(`#/residents/${id}`, L('← Tilbage til beboeren', '← Back to the resident'))));
  if (!kip) {
    wrap.append(empty(L('Beboeren har ingen koordinerende indsatsplan (KIP) endnu. Start den sammen med samarbejdspartneren.', 'The resident has no coordinated action plan (KIP) yet. Start it together with the partner.'), h('a.btn-primary', { href: `#/residents/${id}/kip/edit` }, L('Opret KIP', 'Create KIP'))));
    return wrap;
  }
  wrap.append(section(`${L('Version', 'Version')} ${kip.version}`,
    dl([[L('Status', 'Status'), lbl(KIP_STATUS, kip.status)], [L('Koordinator', 'Coordinator'), `${kip.coordinator_org_name}${kip.coordinator_user_name ? ` – ${kip.coordinator_user_name}` : ''}`],
      [L('Beboerens eget mål', "The resident's own goal"), kip.resident_goal], [L('Næste opfølgning', 'Next review'), kip.next_review ? fmtDate(kip.next_review) : null],
      [L('Senest ændret', 'Last changed'), `${fmtDateTime(kip.created_at)} ${L('af', 'by')} ${kip.created_by_name}`]]),
    h('h3', L('Mål og indsatser', 'Goals and actions')), h('ol.plain', kip.goals.map(goalView)),
    h('div.grid2', h('div', h('h3', L('Nødvendige deltagere', 'Necessary participants')), participantList(kip.participants.necessary, NECESSARY)),
      h('div', h('h3', L('Deltagere efter behov', 'Participants as needed')), participantList(kip.participants.as_needed, AS_NEEDED))),
    h('div.actions', h('a.btn-primary', { href: `#/residents/${id}/kip/edit` }, L('Redigér KIP', 'Edit KIP')))));
  wrap.append(section(L('Tidligere versioner', 'Earlier versions'),
    versions.items.length > 1 ? h('ul.plain', versions.items.filter((v) => v.version !== kip.version).map((v) => h('li', h('details', h('summary', `${L('Version', 'Version')} ${v.version} · ${fmtDateTime(v.created_at)} · ${v.created_by_name || ''}`),
      dl([[L('Status', 'Status'), lbl(KIP_STATUS, v.status)], [L('Beboerens eget mål', "The resident's own goal"), v.resident_goal]]), h('ol.plain', (v.goals || []).map(goalView))))))
      : empty(L('Ingen tidligere versioner.', 'No earlier versions.'))));
  wrap.append(section(L('Opfølgning på mål', 'Outcome reviews'), reviews.items.length ? table(L('Opfølgninger', 'Reviews'), [L('Dato', 'Date'), L('I behandling', 'In treatment'), L('Stabil bolig', 'Stable housing'), L('Arbejde/aktivitet', 'Work/activity'), L('Netværk', 'Network'), L('Note', 'Note')],
    reviews.items.map((x) => [fmtDate(x.reviewed_at), x.in_treatment_contact ? '✓' : '–', x.stable_housing ? '✓' : '–', x.work_or_activity ? '✓' : '–', x.social_network ? '✓' : '–', x.note || '']), { hideCaption: true }) : empty(L('Ingen opfølgninger endnu.', 'No reviews yet.'))));
  return wrap;
}

export async function kipEditView({ params }) {
  const id = params.id;
  const r = await get(`/api/residents/${id}`);
  let kip = null; let version = 0;
  try {
    const res = await request('GET', `/api/residents/${id}/kip`);
    kip = res.data; version = Number(res.etag || kip.version);
  } catch (e) { if (!(e instanceof ApiError) || e.status !== 404) throw e; }
  const base = kip || { coordinator_org_id: r.facility_id, coordinator_user_id: r.contact_person_id, status: 'draft', resident_goal: '', goals: [{ title: '', status: 'open', actions: [] }], participants: { necessary: [{ role: 'resident' }], as_needed: [] }, next_review: null };
  const goalsBox = h('div.goals');
  let goalCount = 0;
  // an action of a goal or sub-goal; prefix names its fields (goals[0] or goals[0].sub[1])
  const actionRow = (prefix, ai, a = {}, where = '') => h('fieldset.action', { dataset: { prefix: `${prefix}.actions[${ai}]` } }, h('legend', `${L('Indsats', 'Action')} ${ai + 1}${where}`),
    h('div.grid2',
      field(`${prefix}.actions[${ai}].action`, L('Indsats', 'Action'), { value: a.action || '' }),
      field(`${prefix}.actions[${ai}].responsible`, L('Ansvarlig', 'Responsible'), { value: a.responsible || '' }),
      field(`${prefix}.actions[${ai}].responsible_side`, L('Ansvarlig part', 'Responsible side'), { kind: 'select', value: a.responsible_side || 'municipality', options: Object.keys(SIDE).map((k) => [k, lbl(SIDE, k)]) }),
      field(`${prefix}.actions[${ai}].due_date`, L('Frist', 'Due date'), { kind: 'date', value: a.due_date || '' }),
      field(`${prefix}.actions[${ai}].status`, L('Status', 'Status'), { kind: 'select', value: a.status || 'open', options: Object.keys(ACTION_STATUS).map((k) => [k, lbl(ACTION_STATUS, k)]) })));
  const actionsEditor = (prefix, list, where, addLabel) => {
    const box = h('div.actions-list');
    let n = 0;
    for (const a of list || []) box.append(actionRow(prefix, n++, a, where));
    const add = h('button.btn-secondary', { type: 'button' }, addLabel);
    add.addEventListener('click', () => { box.append(actionRow(prefix, n++, {}, where)); box.lastElementChild.querySelector('input').focus(); });
    return [box, h('p', add)];
  };
  const subGoalBlock = (gi, si, sg = {}) => {
    const prefix = `goals[${gi}].sub[${si}]`;
    const where = ` ${L('til delmål', 'of sub-goal')} ${gi + 1}.${si + 1}`;
    return h('fieldset.subgoal', { dataset: { prefix } }, h('legend', `${L('Delmål', 'Sub-goal')} ${gi + 1}.${si + 1}`),
      h('div.grid2', field(`${prefix}.title`, L('Delmål', 'Sub-goal'), { value: sg.title || '' }),
        field(`${prefix}.status`, `${L('Status for delmål', 'Status of sub-goal')} ${gi + 1}.${si + 1}`, { kind: 'select', value: sg.status || 'open', options: Object.keys(GOAL_STATUS).map((k) => [k, lbl(GOAL_STATUS, k)]) })),
      actionsEditor(prefix, sg.actions, where, `${L('Tilføj indsats til delmål', 'Add action to sub-goal')} ${gi + 1}.${si + 1}`));
  };
  const goalBlock = (g) => {
    const gi = goalCount++;
    const subs = h('div.subgoals');
    let sn = 0;
    for (const sg of g.sub_goals || []) subs.append(subGoalBlock(gi, sn++, sg));
    const addSub = h('button.btn-secondary', { type: 'button' }, `${L('Tilføj delmål til mål', 'Add sub-goal to goal')} ${gi + 1}`);
    addSub.addEventListener('click', () => { subs.append(subGoalBlock(gi, sn++)); subs.lastElementChild.querySelector('input').focus(); });
    return h('fieldset.goal', { dataset: { goal: gi, prefix: `goals[${gi}]` } }, h('legend', `${L('Mål', 'Goal')} ${gi + 1}`),
      h('div.grid2', field(`goals[${gi}].title`, L('Mål', 'Goal'), { value: g.title || '' }),
        field(`goals[${gi}].status`, L('Status', 'Status'), { kind: 'select', value: g.status || 'open', options: Object.keys(GOAL_STATUS).map((k) => [k, lbl(GOAL_STATUS, k)]) })),
      actionsEditor(`goals[${gi}]`, g.actions, '', L('Tilføj indsats', 'Add action')),
      subs, h('p', addSub));
  };
  for (const g of base.goals) goalsBox.append(goalBlock(g));
  const addGoal = h('button.btn-secondary', { type: 'button' }, L('Tilføj mål', 'Add goal'));
  addGoal.addEventListener('click', () => { goalsBox.append(goalBlock({ title: '', actions: [] })); goalsBox.lastElementChild.querySelector('input').focus(); });

  // participants: any number per role, each with a name and an organisation
  const partEditor = (group, map, list, caption) => {
    const box = h('div.parts-list');
    let n = 0;
    const row = (p = {}) => {
      const i = n++;
      const pre = `p.${group}[${i}]`;
      const no = `${caption.toLowerCase()} ${i + 1}`;
      const remove = h('button.btn-small', { type: 'button' }, L('Fjern', 'Remove'), h('span.visually-hidden', ` ${no}`));
      const el = h('div.part-row', { dataset: { prefix: pre, user: p.user_id || '' } },
        field(`${pre}.role`, `${L('Rolle', 'Role')} (${no})`, { kind: 'select', value: p.role || Object.keys(map)[0], options: Object.keys(map).map((k) => [k, lbl(map, k)]) }),
        field(`${pre}.name`, `${L('Navn', 'Name')} (${no})`, { value: p.name || '' }),
        field(`${pre}.organisation`, `${L('Organisation', 'Organisation')} (${no})`, { value: p.organisation || '' }),
        h('div.field', remove));
      remove.addEventListener('click', () => { el.remove(); addBtn.focus(); });
      return el;
    };
    for (const p of list || []) box.append(row(p));
    const addBtn = h('button.btn-secondary', { type: 'button' }, `${L('Tilføj', 'Add')} ${caption.toLowerCase()}`);
    addBtn.addEventListener('click', () => { box.append(row()); box.lastElementChild.querySelector('select').focus(); });
    return h('fieldset.field.parts', { dataset: { group } }, h('legend', caption), box, h('p', addBtn));
  };
  const coordOptions = [[r.facility_id, r.facility_name], [r.team_id, r.team_name]];
  const userOptions = [['', L('Ingen navngivet', 'Nobody named')], ...(r.contact_person_id ? [[r.contact_person_id, `${r.contact_person_name} (${L('kontaktperson', 'contact person')})`]] : []), ...(r.responsible_clinician_id ? [[r.responsible_clinician_id, `${r.responsible_clinician_name} (${L('behandler', 'clinician')})`]] : [])];
  const form = h('form.card', { action: '#' },
    h('div.grid2',
      field('coordinator_org_id', L('Koordinerende organisation', 'Coordinating organisation'), { kind: 'select', options: coordOptions, value: base.coordinator_org_id }),
      field('coordinator_user_id', L('Koordinator', 'Coordinator'), { kind: 'select', options: userOptions, value: base.coordinator_user_id || '' }),
      field('status', L('Status', 'Status'), { kind: 'select', options: Object.keys(KIP_STATUS).map((k) => [k, lbl(KIP_STATUS, k)]), value: base.status }),
      field('next_review', L('Næste opfølgning', 'Next review'), { kind: 'date', value: base.next_review || '' })),
    field('resident_goal', L('Beboerens eget mål', "The resident's own goal"), { kind: 'textarea', rows: 2, value: base.resident_goal || '' }),
    h('h2', L('Mål og indsatser', 'Goals and actions')), goalsBox, h('p', addGoal),
    h('h2', L('Deltagere', 'Participants')),
    partEditor('necessary', NECESSARY, base.participants.necessary, L('Nødvendig deltager', 'Necessary participant')),
    partEditor('as_needed', AS_NEEDED, base.participants.as_needed, L('Deltager efter behov', 'Participant as needed')),
    h('div.actions', h('button.btn-primary', { type: 'submit' }, L('Gem ny version', 'Save new version')), h('a.btn-secondary', { href: `#/residents/${id}/kip` }, L('Annullér', 'Cancel'))));

  bindForm(form, `kip:${id}`, async (v) => {
    const actionsOf = (fs) => [...fs.querySelectorAll(':scope > .actions-list > fieldset.action')].map((a) => {
      const p = a.dataset.prefix;
      return { action: (v[`${p}.action`] || '').trim(), responsible: (v[`${p}.responsible`] || '').trim(), responsible_side: v[`${p}.responsible_side`], due_date: v[`${p}.due_date`] || null, status: v[`${p}.status`] };
    }).filter((a) => a.action || a.responsible);
    const goals = [];
    for (const fs of goalsBox.querySelectorAll(':scope > fieldset.goal')) {
      const p = fs.dataset.prefix;
      const title = (v[`${p}.title`] || '').trim();
      const actions = actionsOf(fs);
      const subGoals = [...fs.querySelectorAll(':scope > .subgoals > fieldset.subgoal')].map((sf) => {
        const sp = sf.dataset.prefix;
        return { title: (v[`${sp}.title`] || '').trim(), status: v[`${sp}.status`], actions: actionsOf(sf) };
      }).filter((sg) => sg.title || sg.actions.length);
      if (!title && !actions.length && !subGoals.length) continue;
      goals.push({ title, status: v[`${p}.status`], actions, sub_goals: subGoals });
    }
    const parts = (group) => [...form.querySelectorAll(`fieldset.parts[data-group="${group}"] .part-row`)].map((row) => {
      const p = row.dataset.prefix;
      const o = { role: v[`${p}.role`] };
      if ((v[`${p}.name`] || '').trim()) o.name = v[`${p}.name`].trim();
      if ((v[`${p}.organisation`] || '').trim()) o.organisation = v[`${p}.organisation`].trim();
      if (row.dataset.user) o.user_id = row.dataset.user;
      return o;
    });
    await api.put(`/api/residents/${id}/kip`, {
      coordinator_org_id: v.coordinator_org_id, coordinator_user_id: v.coordinator_user_id || null, status: v.status,
      resident_goal: v.resident_goal, goals, participants: { necessary: parts('necessary'), as_needed: parts('as_needed') },
      next_review: v.next_review || null,
    }, { ifMatch: version });
    setFlash(L('KIP er gemt som en ny version.', 'The KIP is saved as a new version.'));
    navigate(`/residents/${id}/kip`);
  }, { describeStale: (cur, mine) => staleDiff(cur, mine, { status: L('Status', 'Status'), resident_goal: L('Beboerens eget mål', "The resident's own goal"), next_review: L('Næste opfølgning', 'Next review') }) });
  return h('div', h('h1', `${kip ? L('Redigér KIP', 'Edit KIP') : L('Opret KIP', 'Create KIP')}: ${r.name}`), form);
}

// ---- consents ----
export async function consentsView({ params, me }) {
  const id = params.id;
  const [r, c] = await Promise.all([get(`/api/residents/${id}`), get(`/api/residents/${id}/consents`)]);
  const wrap = h('div', h('h1', `${L('Samtykker', 'Consents')}: ${r.name}`), takeFlash(), h('p', link(`#/residents/${id}`, L('← Tilbage til beboeren', '← Back to the resident'))));
  wrap.append(section(L('Gældende nu', 'In force now'), consentSummary(c)));
  const form = h('form.card', { action: '#' },
    field('kind', L('Samtykke om', 'Consent about'), { kind: 'select', options: Object.keys(CONSENT_KIND).map((k) => [k, lbl(CONSENT_KIND, k)]) }),
    radios('granted', L('Beboerens svar', "The resident's answer"), [['true', L('Giver samtykke', 'Grants consent')], ['false', L('Afviser / trækker tilbage', 'Refuses / withdraws')]], 'true'),
    field('partners', L('Navngivne samarbejdspartnere (adskilt med komma)', 'Named partners (separated by commas)'), { hint: L('Kun for samtykke om samarbejdspartnere.', 'Only for consent about partners.') }),
    field('valid_until', L('Gælder til (valgfrit)', 'Valid until (optional)'), { kind: 'date' }),
    field('scope_note', L('Note om omfang', 'Note on scope'), { kind: 'textarea', rows: 2 }),
    h('div.actions', h('button.btn-primary', { type: 'submit' }, L('Registrér samtykke', 'Record consent'))));
  bindForm(form, `consent:${id}`, async (v, idem) => {
    const partners = String(v.partners || '').split(',').map((x) => x.trim()).filter(Boolean);
    await api.post(`/api/residents/${id}/consents`, { kind: v.kind, granted: v.granted === 'true', scope_note: v.scope_note || null, partners: v.kind === 'partners_may_attend' ? partners : null, valid_until: v.valid_until || null }, { idem });
    setFlash(L('Samtykket er registreret.', 'The consent is recorded.'));
    navigate(`/residents/${id}/consents?t=${Date.now()}`);
  });
  wrap.append(section(L('Registrér eller træk tilbage', 'Record or withdraw'), form));
  wrap.append(section(L('Historik', 'History'), c.history.length ? table(L('Samtykkehistorik', 'Consent history'), [L('Registreret', 'Recorded'), L('Om', 'About'), L('Svar', 'Answer'), L('Gælder til', 'Valid until'), L('Note', 'Note'), L('Af', 'By')],
    c.history.map((x) => [fmtDateTime(x.recorded_at), lbl(CONSENT_KIND, x.kind), x.granted ? L('Givet', 'Granted') : L('Afvist/tilbagetrukket', 'Refused/withdrawn'), x.valid_until ? fmtDate(x.valid_until) : '–', [x.scope_note || '', x.partners && x.partners.length ? ` (${x.partners.join(', ')})` : ''], x.recorded_by_name]), { hideCaption: true })
    : empty(L('Der er ikke registreret samtykker endnu.', 'No consents recorded yet.'))));
  return wrap;
}
