// Small DOM helpers: elements without innerHTML, forms with drafts and API errors shown by
// the field, dialogs, loading and empty states.
import { L, fmtDate, fmtDateTime, parseDanishDate, parseDanishTime, parseDanishDateTime, showDanishInput, DANISH_INPUT_FORMAT } from './i18n.js';
import { ApiError, newKey, problemText, reasonText } from './api.js';

/** h('tag.class#id', {attrs}, ...children) */
export function h(spec, attrs, ...children) {
  const m = /^([a-z0-9-]+)?((?:[.#][\w-]+)*)$/i.exec(spec) || [];
  const el = document.createElement(m[1] || 'div');
  for (const part of (m[2] || '').match(/[.#][\w-]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1)); else el.id = part.slice(1);
  }
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = [el.className, v].filter(Boolean).join(' ');
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value' && 'value' in el) el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false || c === true) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

let seq = 0;
export function uid(prefix = 'f') { seq += 1; return `${prefix}-${seq}`; }

export function announce(text) {
  const live = document.getElementById('live');
  if (!live) return;
  live.textContent = '';
  setTimeout(() => { live.textContent = text; }, 30);
}

export function loading(text) {
  return h('p.loading', { role: 'status' }, h('span.spinner', { 'aria-hidden': 'true' }), text || L('Indlæser …', 'Loading …'));
}

export function empty(text, ...actions) {
  return h('div.empty', h('p', text), actions.length ? h('p', actions) : null);
}

export function errorBox(err) {
  return h('div.alert.alert-error', { role: 'alert' }, h('p', problemText(err)));
}

export function badge(text, kind = 'neutral', title) {
  return h(`span.badge.badge-${kind}`, title ? { title } : null, text);
}

/** A labelled form field. kind: input type, 'textarea', 'select' or 'checkbox'. */
export function field(name, label, opts = {}) {
  const id = opts.id || uid(name);
  const hintId = opts.hint ? `${id}-hint` : null;
  let control;
  const common = { id, name, 'aria-describedby': hintId || null, required: opts.required || null, disabled: opts.disabled || null };
  if (opts.kind === 'textarea') {
    control = h('textarea', { ...common, rows: opts.rows || 4, maxlength: opts.maxlength || null });
    if (opts.value != null) control.value = opts.value;
  } else if (opts.kind === 'select') {
    control = h('select', common, (opts.options || []).map(([v, t]) => h('option', { value: v }, t)));
    if (opts.value != null) control.value = opts.value;
  } else if (opts.kind === 'checkbox') {
    control = h('input', { ...common, type: 'checkbox', checked: !!opts.value });
    return h('div.field.field-check', { dataset: { field: name } }, control, h('label', { for: id }, label), hintId ? h('p.hint', { id: hintId }, opts.hint) : null);
  } else if (DATE_KINDS[opts.kind]) {
    return dateField(name, label, opts, id, hintId);
  } else {
    control = h('input', { ...common, type: opts.kind || 'text', autocomplete: opts.autocomplete || null, min: opts.min || null, max: opts.max || null, step: opts.step || null, inputmode: opts.inputmode || null });
    if (opts.value != null) control.value = opts.value;
  }
  return h('div.field', { dataset: { field: name } }, h('label', { for: id }, label, opts.required ? h('span.req', { 'aria-hidden': 'true' }, ' *') : null), hintId ? h('p.hint', { id: hintId }, opts.hint) : null, control);
}

// Date and time fields: a text field the user types in (dd.mm.åååå, tt.mm, 24-hour, whatever
// the browser's language), and a hidden field with the form's name that holds the value the
// code reads: YYYY-MM-DD, HH:MM or YYYY-MM-DDTHH:MM, or what was typed if it is no date.
const DATE_KINDS = { date: parseDanishDate, time: parseDanishTime, 'datetime-local': parseDanishDateTime };

function dateField(name, label, opts, id, hintId) {
  const kind = opts.kind;
  const fmtId = `${id}-format`;
  const fmt = DANISH_INPUT_FORMAT[kind];
  const shown = h('input', { id, type: 'text', autocomplete: 'off', spellcheck: 'false', required: opts.required || null, disabled: opts.disabled || null,
    'aria-describedby': [hintId, fmtId].filter(Boolean).join(' '), dataset: { dateKind: kind }, value: showDanishInput(kind, opts.value) });
  const initial = opts.value == null || opts.value === '' ? '' : DATE_KINDS[kind](showDanishInput(kind, opts.value)) || String(opts.value);
  const value = h('input', { type: 'hidden', name, required: opts.required || null, disabled: opts.disabled || null, dataset: { shows: id, dateKind: kind }, value: initial });
  const sync = () => { const t = shown.value.trim(); value.value = t ? DATE_KINDS[kind](t) || t : ''; };
  shown.addEventListener('input', sync);
  shown.addEventListener('change', sync);
  // once typed, the value is shown the one way: "9" becomes "09.00"
  shown.addEventListener('blur', () => { sync(); if (DATE_KINDS[kind](value.value)) shown.value = showDanishInput(kind, value.value); });
  return h('div.field', { dataset: { field: name } },
    h('label', { for: id }, label, opts.required ? h('span.req', { 'aria-hidden': 'true' }, ' *') : null),
    hintId ? h('p.hint', { id: hintId }, opts.hint) : null,
    shown, value,
    h('p.hint.format', { id: fmtId }, `${L('Format', 'Format')}: ${L(fmt[0], fmt[1])}`));
}

/** The visible text field of a date or time field's hidden value (else the control itself). */
function shownControl(form, control) {
  return control && control.dataset && control.dataset.shows ? form.querySelector(`#${CSS.escape(control.dataset.shows)}`) || control : control;
}

/** Typed dates and times that are no date or time: [{field, reason}]. */
function badDates(form) {
  const out = [];
  for (const el of form.querySelectorAll('input[type=hidden][data-date-kind]')) {
    if (!el.name || el.disabled || !el.value) continue;
    const kind = el.dataset.dateKind;
    if (DATE_KINDS[kind](el.value) !== el.value) out.push({ field: el.name, reason: `format:${kind}` });
  }
  return out;
}

/**
 * Shows nodes in box (a form's live rules or status) unless it already shows just that.
 * Forms recheck their rules on every input and change, and a change also fires when a click
 * on the save button takes the focus from the field last typed in: redrawing the unchanged
 * box there re-announces it (aria-live) and makes Chrome re-lay out and re-anchor the scrolled
 * page between the button's mousedown and mouseup, so the release lands beside the button,
 * no click reaches it and nothing is saved.
 */
export function showInBox(box, ...nodes) {
  const next = h('div', nodes);
  if (next.innerHTML !== box.innerHTML) box.replaceChildren(...next.childNodes);
}

export function radios(name, legend, options, value, hint) {
  const hintId = hint ? uid(`${name}-hint`) : null;
  return h('fieldset.field.radios', { dataset: { field: name }, 'aria-describedby': hintId },
    h('legend', legend),
    hintId ? h('p.hint', { id: hintId }, hint) : null,
    options.map(([v, t]) => {
      const id = uid(name);
      return h('div.radio', h('input', { type: 'radio', name, id, value: v, checked: v === value }), h('label', { for: id }, t));
    }));
}

// ---- drafts: what a user typed survives a failed save, a language switch and a new log-in
// by the same user. They are kept in memory only, never in the browser's storage or history
// (a shared computer would keep those on disk, clinical notes included); leaving the page
// with unsaved text asks first (app.js). They belong to the user who typed them: another
// user logging in on the same device starts with none, and logging out clears them.
const drafts = new Map();
let draftOwner = null;
/** Who typed the drafts kept in this tab (null: nobody signed in). */
export function draftsOwner() { return draftOwner; }
/** The signed-in user: drafts typed by someone else are dropped. */
export function claimDrafts(userId) {
  if (draftOwner && draftOwner !== userId) drafts.clear();
  draftOwner = userId;
}
/** Log-out: nothing typed stays behind in this tab. */
export function clearAllDrafts() {
  drafts.clear();
  draftOwner = null;
}
/** Whether something typed has not been saved (the log-in form aside). */
export function hasUnsavedDrafts() {
  for (const [k, d] of drafts) {
    if (k === 'login' || !d || !d.values) continue;
    if (Object.values(d.values).some((v) => v !== '' && v !== false && v != null)) return true;
  }
  return false;
}
export function getDraft(key) { return drafts.get(key); }
export function clearDraft(key) { drafts.delete(key); }

export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled && el.type !== 'hidden') continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else if (el.type === 'radio') { if (el.checked) out[el.name] = el.value; else if (!(el.name in out)) out[el.name] = out[el.name] ?? null; }
    else out[el.name] = el.value;
  }
  return out;
}

function restore(form, values) {
  for (const el of form.elements) {
    if (!el.name || !(el.name in values)) continue;
    const v = values[el.name];
    if (el.type === 'checkbox') el.checked = !!v;
    else if (el.type === 'radio') el.checked = el.value === v;
    else if (v != null) el.value = v;
    if (el.dataset.shows) { const shown = form.querySelector(`#${CSS.escape(el.dataset.shows)}`); if (shown) shown.value = showDanishInput(el.dataset.dateKind, el.value); }
  }
}

/**
 * Wires a form: restores its draft, saves the draft on every change, keeps one
 * Idempotency-Key until a save succeeds, shows API errors by the fields.
 * onSubmit(values, idem) may throw ApiError.
 */
export function bindForm(form, key, onSubmit, opts = {}) {
  form.noValidate = true;
  const alertBox = h('div.form-alert', { role: 'alert', hidden: true });
  form.prepend(alertBox);
  const d = drafts.get(key);
  if (d && d.values) restore(form, d.values);
  const state = { idem: (d && d.idem) || newKey() };
  const save = () => {
    const values = formValues(form);
    for (const n of opts.noDraft || []) delete values[n];
    drafts.set(key, { values, idem: state.idem });
    if (opts.onChange) opts.onChange(formValues(form));
  };
  form.addEventListener('input', save);
  form.addEventListener('change', save);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const btn = ev.submitter || form.querySelector('button[type=submit]');
    if (btn && btn.disabled) return;
    clearErrors(form);
    // the page's message about the last save ("Besøget er flyttet.") is old news now: left
    // standing, it would read as the answer to this save, also when this one fails
    for (const f of document.querySelectorAll('.flash')) f.remove();
    const missing = requiredMissing(form);
    const bad = badDates(form);
    if (missing.length || bad.length) {
      showProblem(form, new ApiError(422, { code: 'validation-failed', errors: [...missing.map((f) => ({ field: f, reason: 'is required' })), ...bad] }));
      return;
    }
    save();
    if (btn) { btn.disabled = true; btn.setAttribute('aria-busy', 'true'); }
    form.setAttribute('aria-busy', 'true');
    try {
      await onSubmit(formValues(form), state.idem, btn);
      drafts.delete(key);
      state.idem = newKey();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 401) return; // the log-in takes over; the draft is kept
      showProblem(form, err, opts);
    } finally {
      if (btn) { btn.removeAttribute('aria-busy'); btn.disabled = false; }
      form.removeAttribute('aria-busy');
      if (opts.afterSubmit) opts.afterSubmit();
    }
  });
  if (opts.onChange) opts.onChange(formValues(form));
  return state;
}

function requiredMissing(form) {
  const out = [];
  for (const el of form.elements) {
    if (!el.required || !el.name || el.disabled) continue;
    if (el.type === 'checkbox' ? !el.checked : !String(el.value).trim()) out.push(el.name);
  }
  return out;
}

export function clearErrors(form) {
  for (const p of form.querySelectorAll('.field-error')) p.remove();
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && !x.startsWith('err-'));
    if (ids.length) el.setAttribute('aria-describedby', ids.join(' ')); else el.removeAttribute('aria-describedby');
  }
  for (const f of form.querySelectorAll('.field.has-error')) f.classList.remove('has-error');
  const a = form.querySelector('.form-alert');
  if (a) { a.hidden = true; a.replaceChildren(); }
}

/** Shows a problem: a summary on top, and each errors[].field next to its input. */
export function showProblem(form, err, opts = {}) {
  const alertBox = form.querySelector('.form-alert');
  let firstInvalid = null;
  for (const e of err.errors) {
    const wrap = form.querySelector(`[data-field="${CSS.escape(e.field)}"]`);
    const control = shownControl(form, form.querySelector(`[name="${CSS.escape(e.field)}"]`) || (wrap && wrap.querySelector('input,select,textarea')));
    if (!wrap && !control) continue;
    const id = uid('err');
    const msg = h('p.field-error', { id }, h('span.icon', { 'aria-hidden': 'true' }, '⚠ '), reasonText(e.reason, err.code, e.field));
    (wrap || control.parentElement).classList.add('has-error');
    if (wrap && wrap.tagName === 'FIELDSET') wrap.append(msg);
    else if (control) control.insertAdjacentElement('afterend', msg);
    else wrap.append(msg);
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), id].filter(Boolean).join(' '));
      firstInvalid = firstInvalid || control;
    }
  }
  if (alertBox) {
    alertBox.replaceChildren(h('p', h('strong', problemText(err))));
    if (err.status === 412 && err.problem.current && opts.describeStale) {
      alertBox.append(opts.describeStale(err.problem.current, formValues(form)));
    }
    alertBox.hidden = false;
  }
  (firstInvalid || alertBox).focus?.();
  if (!firstInvalid && alertBox) { alertBox.tabIndex = -1; alertBox.focus(); }
}

/** A table of the fields that another person changed (412 with the current version). */
export function staleDiff(current, mine, labels) {
  const rows = [];
  for (const [name, label] of Object.entries(labels)) {
    const theirs = current[name];
    const my = mine[name];
    const norm = (v) => (v == null ? '' : typeof v === 'boolean' ? (v ? L('ja', 'yes') : L('nej', 'no'))
      : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v) ? fmtDateTime(v) : /^\d{4}-\d{2}-\d{2}$/.test(v) ? fmtDate(v) : String(v));
    if (norm(theirs) !== norm(my)) rows.push(h('tr', h('th', { scope: 'row' }, label), h('td', norm(theirs) || '–'), h('td', norm(my) || '–')));
  }
  if (!rows.length) return h('p', L('Ingen af felterne her er ændret af den anden – gem igen.', 'None of these fields was changed by the other person – save again.'));
  return h('div.stale',
    h('p', L('Det har den anden ændret (dit indhold står stadig i felterne):', 'What the other person changed (your text is still in the fields):')),
    h('table.data', h('thead', h('tr', h('th', { scope: 'col' }, L('Felt', 'Field')), h('th', { scope: 'col' }, L('Gemt af den anden', 'Saved by them')), h('th', { scope: 'col' }, L('Dit', 'Yours')))), h('tbody', rows)));
}

/** A modal confirmation. Resolves true when confirmed. */
export function confirmDialog({ title, body, confirm, cancel, danger }) {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const ok = h(`button.${danger ? 'btn-danger' : 'btn-primary'}`, { type: 'button' }, confirm || L('Bekræft', 'Confirm'));
    const no = h('button.btn-secondary', { type: 'button' }, cancel || L('Annullér', 'Cancel'));
    const dlg = h('dialog.dialog', { 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title),
      Array.isArray(body) ? body : h('p', body),
      h('div.actions', no, ok));
    const done = (v) => { dlg.close(); dlg.remove(); resolve(v); };
    ok.addEventListener('click', () => done(true));
    no.addEventListener('click', () => done(false));
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
    document.body.append(dlg);
    dlg.showModal();
    no.focus();
  });
}

export function table(caption, headers, rows, opts = {}) {
  return h('div.table-wrap', { tabindex: opts.scroll ? '0' : null, role: opts.scroll ? 'region' : null, 'aria-label': opts.scroll ? caption : null },
    h('table.data', { class: opts.cls || null }, h('caption', { class: opts.hideCaption ? 'visually-hidden' : null }, caption),
      h('thead', h('tr', headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', rows.map((r) => h('tr', r.map((c, i) => (i === 0 && opts.rowHeader ? h('th', { scope: 'row' }, c) : h('td', c))))))));
}

export function link(href, text, cls) { return h('a', { href, class: cls || null }, text); }

export function section(title, ...children) {
  const id = uid('sec');
  return h('section.card', { 'aria-labelledby': id }, h('h2', { id }, title), children);
}

export function dl(pairs) {
  return h('dl.facts', pairs.filter(Boolean).map(([k, v]) => [h('dt', k), h('dd', v == null || v === '' ? '–' : v)]));
}

export function setDraft(key, value) { drafts.set(key, value); }
