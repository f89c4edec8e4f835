// The facility's contact person: my residents, the Monday mail with autosave, preview and send,
// admissions, discharges and visits to admitted residents.
import { api, get, request, ApiError, problemText, newKey } from '../api.js';
import { L, fmtDate, fmtTime, fmtDateTime, isoWeek, weekdayName, nowLocalInput, localInputToISO, plural } from '../i18n.js';
import { h, field, radios, bindForm, empty, section, link, announce, uid, badge, table, getDraft, setDraft, clearDraft, confirmDialog, errorBox, staleDiff } from '../dom.js';
import { navigate } from '../app.js';
import { residentBadges, lastConversation, lbl, PRIORITY, summaryHidden, all, takeFlash, setFlash } from './common.js';

export async function mineView({ me }) {
  const mine = await all(`/api/residents?contact_person_id=${me.id}&status=active&limit=200`);
  const wrap = h('div', h('h1', L('Mine beboere', 'My residents')), takeFlash(),
    h('p', L('Beboere, du er kontaktperson for.', 'Residents you are the contact person for.')),
    h('p.actions', h('a.btn-primary', { href: '#/monday-mail' }, L('Skriv ugens mandagsmail', "Write this week's Monday mail"))));
  if (!mine.length) { wrap.append(empty(L('Du er ikke kontaktperson for nogen beboere endnu. Se alle beboere på botilbuddet.', 'You are not the contact person for any residents yet. See all residents at the facility.'), link('#/residents', L('Alle beboere', 'All residents')))); return wrap; }
  const convs = {};
  await Promise.all(mine.map(async (r) => { try { convs[r.id] = (await get(`/api/residents/${r.id}/conversations?limit=1`)).items[0] || null; } catch { convs[r.id] = null; } }));
  const list = h('ul.cards');
  for (const r of mine) {
    const id = uid('m');
    const cv = convs[r.id];
    list.append(h('li.card', { 'aria-labelledby': id },
      h('h2.h3', { id }, link(`#/residents/${r.id}`, r.name)), residentBadges(r),
      h('dl.facts',
        h('dt', L('Seneste samtale', 'Last conversation')), h('dd', lastConversation(r)),
        h('dt', L('Næste samtale', 'Next conversation')), h('dd', r.next_planned_conversation ? fmtDateTime(r.next_planned_conversation.starts_at) : '–'),
        h('dt', L('Seneste resumé', 'Latest summary')), h('dd', cv ? (cv.summary ? cv.summary : summaryHidden(cv.summary_hidden_reason, cv)) : L('Ingen samtaler endnu', 'No conversations yet')))));
  }
  wrap.append(list);
  return wrap;
}

function weekShift(week, delta) {
  const [y, w] = week.split('-W').map(Number);
  // Monday of ISO week w: Jan 4th is always in week 1
  const jan4 = new Date(Date.UTC(y, 0, 4));
  const monday = new Date(jan4.getTime() - ((jan4.getUTCDay() || 7) - 1) * 86400000 + (w - 1 + delta) * 7 * 86400000);
  return isoWeek(new Date(monday.getUTCFullYear(), monday.getUTCMonth(), monday.getUTCDate()));
}

export async function mondayMailView({ me, query }) {
  const week = query.get('week') || isoWeek();
  const facility = me.org_id;
  const [mail, residents] = await Promise.all([get(`/api/monday-mail?facility=${facility}&week=${week}`), all('/api/residents?status=active&limit=200')]);
  const sent = mail.status === 'sent';
  const entries = Object.fromEntries((mail.entries || []).map((e) => [e.resident_id, e]));
  const here = residents.filter((r) => r.facility_id === facility);
  here.sort((a, b) => Number(b.contact_person_id === me.id) - Number(a.contact_person_id === me.id) || a.name.localeCompare(b.name, 'da'));
  const wrap = h('div', h('h1', `${L('Mandagsmail', 'Monday mail')} – ${L('uge', 'week')} ${Number(week.slice(6))}`), takeFlash());
  wrap.append(h('nav.subnav', { 'aria-label': L('Uger', 'Weeks') }, h('ul',
    h('li', h('a.btn-secondary', { href: `#/monday-mail?week=${weekShift(week, -1)}` }, L('← Forrige uge', '← Previous week'))),
    h('li', h('a.btn-secondary', { href: `#/monday-mail?week=${weekShift(week, 1)}` }, L('Næste uge →', 'Next week →'))),
    h('li', h('a.btn-primary', { href: `#/monday-mail/preview?week=${week}` }, sent ? L('Se den sendte mail', 'See the sent mail') : L('Se og send mailen', 'Preview and send'))))));
  wrap.append(h('p', sent ? h('strong', `${L('Sendt', 'Sent')} ${fmtDateTime(mail.sent_at)} ${L('af', 'by')} ${mail.sent_by_name}.`) : L('Skriv status for beboerne. Alt gemmes automatisk, mens du skriver.', 'Write a status for the residents. Everything is saved automatically as you type.'),
    mail.next_fixed_visit ? ` ${L('Næste faste besøg', 'Next fixed visit')}: ${weekdayName(mail.next_fixed_visit.starts_at)} ${fmtDate(mail.next_fixed_visit.starts_at)} ${L('kl.', 'at')} ${fmtTime(mail.next_fixed_visit.starts_at)}.` : ''));
  if (!here.length) { wrap.append(empty(L('Der er ingen aktive beboere på botilbuddet.', 'There are no active residents at the facility.'))); return wrap; }
  const list = h('div.entries');
  for (const r of here) list.append(entryEditor(r, week, entries[r.id], sent, me));
  wrap.append(list);
  return wrap;
}

function entryEditor(r, week, entry, sent, me) {
  const key = `mm:${week}:${r.id}`;
  const d = getDraft(key);
  let version = entry ? entry.version : null;
  const headId = uid('e');
  const status = h('p.save-state', { role: 'status' }, entry ? `${L('Gemt', 'Saved')} ${fmtDateTime(entry.updated_at)}` : L('Ikke skrevet endnu', 'Not written yet'));
  const needs = field('needs_talk', L('Behov for samtale ved næste faste besøg', 'Needs a talk at the next fixed visit'), { kind: 'checkbox', value: entry ? entry.needs_talk : false, id: `${key}-needs` });
  const prio = field('priority', L('Prioritet', 'Priority'), { kind: 'select', value: entry ? entry.priority : 'normal', options: Object.keys(PRIORITY).map((k) => [k, lbl(PRIORITY, k)]), id: `${key}-prio` });
  const text = field('status_text', L('Status', 'Status'), { kind: 'textarea', rows: 3, value: entry ? entry.status_text : '', maxlength: 2000, id: `${key}-text` });
  const form = h('form.card.entry', { action: '#', 'aria-labelledby': headId, dataset: { resident: r.id } },
    h('h2.h3', { id: headId }, r.name, r.contact_person_id === me.id ? h('span.muted', ` · ${L('du er kontaktperson', 'you are the contact person')}`) : ''),
    h('div.grid2', needs, prio), text, status);
  const controls = form.querySelectorAll('input,select,textarea');
  if (d) {
    form.querySelector('[name=needs_talk]').checked = !!d.needs_talk;
    form.querySelector('[name=priority]').value = d.priority;
    form.querySelector('[name=status_text]').value = d.status_text;
    if (d.version != null) version = d.version;
  }
  if (sent) controls.forEach((c) => { c.disabled = true; });
  const values = () => ({ needs_talk: form.querySelector('[name=needs_talk]').checked, priority: form.querySelector('[name=priority]').value, status_text: form.querySelector('[name=status_text]').value });
  let timer = null; let saving = false; let again = false;
  async function save(force) {
    if (saving) { again = true; return; }
    saving = true;
    status.textContent = L('Gemmer …', 'Saving …');
    status.className = 'save-state saving';
    const v = values();
    try {
      const res = await request('PUT', `/api/residents/${r.id}/monday-entries/${week}`, { body: v, ifMatch: force != null ? force : version });
      version = res.data.version;
      clearDraft(key);
      status.textContent = `${L('Gemt', 'Saved')} ${L('kl.', 'at')} ${fmtTime(new Date())}`;
      status.className = 'save-state saved';
      for (const x of form.querySelectorAll('.conflict')) x.remove();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      status.className = 'save-state failed';
      if (e.status === 412 && e.problem.current) {
        const cur = e.problem.current;
        status.textContent = L('Ikke gemt: en anden har ændret denne beboers status.', 'Not saved: someone else changed this status.');
        const keep = h('button.btn-primary', { type: 'button' }, L('Gem min tekst alligevel', 'Save my text anyway'));
        keep.addEventListener('click', () => save(cur.version));
        for (const x of form.querySelectorAll('.conflict')) x.remove();
        form.append(h('div.conflict.alert.alert-warn', staleDiff(cur, v, { needs_talk: L('Behov for samtale', 'Needs a talk'), priority: L('Prioritet', 'Priority'), status_text: L('Status', 'Status') }), h('p', keep)));
      } else if (e.status !== 401) {
        status.textContent = `${L('Ikke gemt', 'Not saved')}: ${problemText(e)}`;
      } else {
        status.textContent = L('Ikke gemt: log ind igen. Din tekst er bevaret.', 'Not saved: log in again. Your text is kept.');
      }
    } finally {
      saving = false;
      if (again) { again = false; save(); }
    }
  }
  const changed = () => {
    setDraft(key, { ...values(), version });
    status.textContent = L('Ændret – gemmer om et øjeblik …', 'Changed – saving in a moment …');
    status.className = 'save-state pending';
    clearTimeout(timer);
    timer = setTimeout(() => save(), 700);
  };
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);
  form.addEventListener('submit', (e) => { e.preventDefault(); clearTimeout(timer); save(); });
  if (d && !sent) { status.textContent = L('Ikke gemt endnu – gemmer …', 'Not saved yet – saving …'); setTimeout(() => save(), 50); }
  return form;
}

export async function previewView({ me, query }) {
  const week = query.get('week') || isoWeek();
  const facility = me.org_id;
  const [mail, text] = await Promise.all([get(`/api/monday-mail?facility=${facility}&week=${week}`), get(`/api/monday-mail?facility=${facility}&week=${week}`, { accept: 'text/plain', text: true })]);
  const wrap = h('div', h('h1', `${L('Mandagsmail', 'Monday mail')} – ${L('uge', 'week')} ${Number(week.slice(6))}: ${L('forhåndsvisning', 'preview')}`), takeFlash(),
    h('p', link(`#/monday-mail?week=${week}`, L('← Tilbage til redigering', '← Back to editing'))));
  wrap.append(h('pre.mail', { tabindex: '0', 'aria-label': L('Mailens tekst', 'The text of the mail') }, text));
  if (mail.status === 'sent') {
    wrap.append(h('p.alert.alert-success', `${L('Mailen er sendt', 'The mail was sent')} ${fmtDateTime(mail.sent_at)} ${L('af', 'by')} ${mail.sent_by_name}.`));
    return wrap;
  }
  const msg = h('div', { role: 'alert' });
  const btn = h('button.btn-primary', { type: 'button' }, L('Send mandagsmailen', 'Send the Monday mail'));
  const idem = newKey();
  btn.addEventListener('click', async () => {
    const ok = await confirmDialog({ title: L('Send mandagsmailen?', 'Send the Monday mail?'), body: L(`${plural(mail.talk_count, 'beboer', 'beboere')} ønsker samtale. Mailen sendes til F-ACT-teamet og kan ikke ændres bagefter.`, `${plural(mail.talk_count, 'resident', 'residents')} ${mail.talk_count === 1 ? 'needs' : 'need'} a talk. The mail goes to the F-ACT team and cannot be changed afterwards.`), confirm: L('Send', 'Send') });
    if (!ok) return;
    btn.disabled = true;
    try {
      const res = await api.post('/api/monday-mail/send', { facility, week }, { idem });
      const n = res.data.agenda_added;
      setFlash(`${L('Mandagsmailen er sendt.', 'The Monday mail is sent.')} ${L(`${plural(n, 'beboer', 'beboere')} er sat på dagsordenen for næste faste besøg.`, `${plural(n, 'resident', 'residents')} put on the agenda of the next fixed visit.`)}`);
      navigate(`/monday-mail/preview?week=${week}&sent=1`);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      msg.replaceChildren(errorBox(e));
    } finally { btn.disabled = false; }
  });
  wrap.append(msg, h('div.actions', btn));
  return wrap;
}

export async function admissionsView({ me }) {
  const facilityRole = me.role === 'facility_staff' || me.role === 'facility_manager';
  const [items, residents] = await Promise.all([all('/api/admissions?limit=100'), all('/api/residents?status=active&limit=200')]);
  const wrap = h('div', h('h1', L('Indlæggelser', 'Admissions')), takeFlash());
  // the managers' one menu item for admissions: the report is a link from here
  if (me.role === 'facility_manager' || me.role === 'region_manager') wrap.append(h('p', h('a.btn-secondary', { href: '#/reports/admissions' }, L('Rapport: indlæggelser over tid', 'Report: admissions over time'))));
  const current = items.filter((a) => !a.discharged_at);
  const cur = section(L('Indlagt nu', 'Admitted now'));
  if (!current.length) cur.append(empty(L('Ingen beboere er indlagt lige nu.', 'No residents are admitted now.')));
  for (const a of current) {
    const discharge = h('form.inline-form', { action: '#' },
      field('discharged_at', L('Udskrevet', 'Discharged'), { kind: 'datetime-local', value: nowLocalInput(), required: true, id: uid('dis') }),
      h('button.btn-secondary', { type: 'submit' }, L('Registrér udskrivelse', 'Record discharge')));
    bindForm(discharge, `discharge:${a.id}`, async (v) => {
      await api.patch(`/api/admissions/${a.id}`, { discharged_at: localInputToISO(v.discharged_at) }, { ifMatch: a.version });
      setFlash(`${a.resident_name} ${L('er registreret som udskrevet.', 'is recorded as discharged.')}`);
      navigate(`/admissions?t=${Date.now()}`);
    });
    const visit = facilityRole ? h('form.inline-form', { action: '#' },
      field('visited_at', L('Besøgt', 'Visited'), { kind: 'datetime-local', value: nowLocalInput(), required: true, id: uid('vis') }),
      field('note', L('Note om besøget', 'Note on the visit'), { id: uid('vn') }),
      h('button.btn-secondary', { type: 'submit' }, L('Registrér besøg', 'Record visit'))) : null;
    if (visit) {
      bindForm(visit, `admvisit:${a.id}`, async (v, idem) => {
        await api.post(`/api/admissions/${a.id}/visits`, { visited_at: localInputToISO(v.visited_at), note: v.note || '' }, { idem });
        setFlash(`${L('Besøget hos', 'The visit to')} ${a.resident_name} ${L('er registreret.', 'is recorded.')}`);
        navigate(`/admissions?t=${Date.now()}`);
      });
    }
    const id = uid('a');
    cur.append(h('article.card', { 'aria-labelledby': id }, h('h3', { id }, link(`#/residents/${a.resident_id}`, a.resident_name), a.forced ? badge(L('Tvangsindlagt', 'Forced'), 'danger') : null, a.readmission ? badge(L('Genindlæggelse', 'Readmission'), 'warn') : null),
      h('p', `${L('Indlagt', 'Admitted')} ${fmtDateTime(a.admitted_at)}${a.ward ? ` · ${a.ward}` : ''} · ${a.bed_days} ${L('sengedage', 'bed days')} · ${a.visit_count} ${L('besøg fra botilbuddet', 'visits from the facility')}`),
      visit, discharge));
  }
  wrap.append(cur);
  const form = h('form.card', { action: '#' },
    field('resident_id', L('Beboer', 'Resident'), { kind: 'select', required: true, options: [['', L('Vælg beboer', 'Choose a resident')], ...residents.filter((r) => !r.admitted).map((r) => [r.id, r.name])] }),
    h('div.grid2', field('admitted_at', L('Indlagt', 'Admitted'), { kind: 'datetime-local', value: nowLocalInput(), required: true }), field('ward', L('Afsnit', 'Ward'))),
    field('forced', L('Tvangsindlæggelse', 'Forced admission'), { kind: 'checkbox' }),
    h('div.actions', h('button.btn-primary', { type: 'submit' }, L('Registrér indlæggelse', 'Record admission'))));
  bindForm(form, 'admission:new', async (v, idem) => {
    await api.post(`/api/residents/${v.resident_id}/admissions`, { admitted_at: localInputToISO(v.admitted_at), ward: v.ward || undefined, forced: !!v.forced }, { idem });
    setFlash(L('Indlæggelsen er registreret.', 'The admission is recorded.'));
    navigate(`/admissions?t=${Date.now()}`);
  });
  wrap.append(section(L('Ny indlæggelse', 'New admission'), form));
  const past = items.filter((a) => a.discharged_at);
  wrap.append(section(L('Tidligere indlæggelser', 'Earlier admissions'), past.length ? table(L('Tidligere indlæggelser', 'Earlier admissions'), [L('Beboer', 'Resident'), L('Indlagt', 'Admitted'), L('Udskrevet', 'Discharged'), L('Sengedage', 'Bed days'), L('Tvang', 'Forced'), L('Genindlæggelse', 'Readmission')],
    past.map((a) => [link(`#/residents/${a.resident_id}`, a.resident_name), fmtDate(a.admitted_at), fmtDate(a.discharged_at), String(a.bed_days), a.forced ? L('Ja', 'Yes') : L('Nej', 'No'), a.readmission ? L('Ja', 'Yes') : L('Nej', 'No')]), { hideCaption: true, rowHeader: true }) : empty(L('Ingen tidligere indlæggelser.', 'No earlier admissions.'))));
  return wrap;
}
