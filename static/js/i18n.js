// Language and formats. Danish by default; English by a switch remembered in localStorage
// (a preference, never a secret). Dates and numbers are always written the Danish way.
const KEY = 'samspil.lang';
let lang = 'da';
try {
  const saved = localStorage.getItem(KEY);
  if (saved === 'en' || saved === 'da') lang = saved;
} catch { /* storage unavailable: stay Danish */ }

const listeners = new Set();

export function getLang() { return lang; }

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'da';
  try { localStorage.setItem(KEY, lang); } catch { /* ignore */ }
  document.documentElement.lang = lang;
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) { listeners.add(fn); }

/** L('dansk', 'English'): the text in the current language. */
export function L(da, en) { return lang === 'en' && en != null ? en : da; }

// Why a log-in with the organisation's identity provider was refused: the codes the server
// puts in #/login?error=... (server/oidc_login.c).
const OIDC_ERRORS = {
  'oidc-unknown-account': ['Du er logget ind hos din organisation, men der findes ingen Samspil-bruger med din e-mailadresse. Kontakt din Samspil-administrator, hvis du skal have adgang.', 'You are logged in at your organisation, but there is no Samspil user with your e-mail address. Contact your Samspil administrator if you need access.'],
  'oidc-account-deactivated': ['Din Samspil-bruger er deaktiveret. Kontakt din Samspil-administrator.', 'Your Samspil user is deactivated. Contact your Samspil administrator.'],
  'oidc-organisation-not-allowed': ['Din organisation kan ikke logge ind i Samspil med denne log-ind-tjeneste. Vælg din egen organisations knap.', 'Your organisation cannot log in to Samspil with this log-in service. Choose your own organisation’s button.'],
  'oidc-state': ['Log-ind blev afbrudt, er udløbet eller er allerede brugt. Start forfra.', 'The log-in was interrupted, has expired or was already used. Please start again.'],
  'oidc-provider-error': ['Log-ind-tjenesten afviste log-ind. Prøv igen.', 'The log-in service refused the log-in. Please try again.'],
  'oidc-exchange': ['Log-ind-tjenesten godkendte ikke Samspils forespørgsel. Prøv igen, eller kontakt din administrator.', 'The log-in service did not accept Samspil’s request. Try again, or contact your administrator.'],
  'oidc-invalid-token': ['Svaret fra log-ind-tjenesten kunne ikke godkendes, så du er ikke logget ind. Prøv igen.', 'The answer from the log-in service could not be verified, so you are not logged in. Please try again.'],
  'oidc-unavailable': ['Log-ind-tjenesten kan ikke nås lige nu. Prøv igen om lidt.', 'The log-in service cannot be reached right now. Try again shortly.'],
  'oidc-unknown-provider': ['Den log-ind-tjeneste findes ikke i Samspil.', 'Samspil does not know that log-in service.'],
  'oidc-internal': ['Der skete en fejl hos Samspil under log-ind. Prøv igen om lidt.', 'Samspil had an error during log-in. Try again shortly.'],
};

/** The text for a refused identity-provider log-in (an error code from the address). */
export function oidcErrorText(code) {
  const m = OIDC_ERRORS[code];
  return m ? L(m[0], m[1]) : L('Log-ind mislykkedes. Prøv igen.', 'The log-in failed. Please try again.');
}

const TZ = 'Europe/Copenhagen';
const dateFmt = new Intl.DateTimeFormat('da-DK', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: TZ });
const timeFmt = new Intl.DateTimeFormat('da-DK', { hour: '2-digit', minute: '2-digit', timeZone: TZ });
const numFmt = new Intl.NumberFormat('da-DK', { maximumFractionDigits: 1 });
const pctFmt = new Intl.NumberFormat('da-DK', { style: 'percent', maximumFractionDigits: 0 });

function toDate(v) {
  if (v == null || v === '') return null;
  if (v instanceof Date) return v;
  // a plain date (YYYY-MM-DD) is a local day: read it at noon so no zone moves it
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return new Date(`${v}T12:00:00Z`);
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function fmtDate(v) { const d = toDate(v); return d ? dateFmt.format(d) : '–'; }
export function fmtTime(v) { const d = toDate(v); return d ? timeFmt.format(d) : '–'; }
export function fmtDateTime(v) { const d = toDate(v); return d ? `${dateFmt.format(d)} ${L('kl.', 'at')} ${timeFmt.format(d)}` : '–'; }
/** "1. december 2026 kl. 23.56" (Copenhagen): month by name, for sentences. */
export function fmtDateLong(v) {
  const d = toDate(v);
  if (!d) return '–';
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'da-DK', { day: 'numeric', month: 'long', year: 'numeric', timeZone: TZ }).format(d);
}
export function fmtDateTimeLong(v) { const d = toDate(v); return d ? `${fmtDateLong(d)} ${L('kl.', 'at')} ${timeFmt.format(d)}` : '–'; }
/** A clock time of the API ("09:00" or "09:00:00") the Danish way: "09.00". */
export function fmtClock(v) {
  const m = /^(\d{1,2}):(\d{2})/.exec(String(v || ''));
  return m ? `${m[1].padStart(2, '0')}.${m[2]}` : '–';
}
/** n and the singular or plural noun: plural(1, 'beboer', 'beboere') is "1 beboer". */
export function plural(n, one, many) { return `${n} ${Number(n) === 1 ? one : many}`; }
export function fmtNum(v) { return v == null ? '–' : numFmt.format(v); }
export function fmtPct(v) { return v == null ? '–' : pctFmt.format(v); }
export function weekdayName(d) {
  const date = toDate(d);
  if (!date) return '';
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'da-DK', { weekday: 'long', timeZone: TZ }).format(date);
}
/** ISO weekday 1..7 to its name in the current language. */
export function isoWeekdayName(n) {
  // 2024-01-01 was a Monday
  const d = new Date(Date.UTC(2024, 0, Number(n), 12));
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'da-DK', { weekday: 'long', timeZone: 'UTC' }).format(d);
}
export function monthLabel(ym) {
  const [y, m] = String(ym).split('-').map(Number);
  if (!y || !m) return ym;
  const d = new Date(Date.UTC(y, m - 1, 15));
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'da-DK', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(d);
}

/** The ISO week (2026-W48) of a date, as the Monday mail names weeks. */
export function isoWeek(date = new Date()) {
  const d = new Date(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((d - yearStart) / 86400000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** The day (YYYY-MM-DD, Copenhagen) of a time; today without one. */
export function dayISO(v = new Date()) {
  // formatToParts, never a formatted string: en-CA is YYYY-MM-DD with newer ICU, MM/DD/YYYY with ICU 72
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(toDate(v)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}
/** Today as YYYY-MM-DD in Copenhagen. */
export function todayISO() { return dayISO(); }

/** A datetime-local value (browser's zone) for now, to the minute. */
export function nowLocalInput(d = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
/** datetime-local value → RFC 3339 (UTC). */
export function localInputToISO(v) {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
export function isoToLocalInput(v) { const d = toDate(v); return d ? nowLocalInput(d) : ''; }

// ---- typed dates and times: dd.mm.åååå and 24-hour tt.mm whatever the browser's locale.
// The fields are text fields (native date and time inputs follow the browser's language);
// values inside the app stay YYYY-MM-DD, HH:MM and YYYY-MM-DDTHH:MM (local time).
const pad2 = (n) => String(n).padStart(2, '0');
/** "25.11.2026", "25-11-2026", "25/11/26", "25112026" or "2026-11-25" → "2026-11-25"; null if not a date. */
export function parseDanishDate(text) {
  const t = String(text || '').trim();
  let y; let m; let d;
  let x = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  if (x) [y, m, d] = [x[1], x[2], x[3]].map(Number);
  else if ((x = /^(\d{1,2})[.\-/ ](\d{1,2})[.\-/ ](\d{4}|\d{2})$/.exec(t)) || (x = /^(\d{2})(\d{2})(\d{4})$/.exec(t))) {
    [d, m, y] = [x[1], x[2], x[3]].map(Number);
    if (x[3].length === 2) y += 2000;
  } else return null;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || y > 2200 || dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null;
  return `${y}-${pad2(m)}-${pad2(d)}`;
}
/** "9", "9.30", "09:30" or "0930" → "09:30"; null if not a time of day. */
export function parseDanishTime(text) {
  const x = /^(\d{1,2})(?:[.:]?(\d{2}))?$/.exec(String(text || '').trim());
  if (!x) return null;
  const hh = Number(x[1]); const mm = Number(x[2] || 0);
  return hh < 24 && mm < 60 ? `${pad2(hh)}:${pad2(mm)}` : null;
}
/** "25.11.2026 09.30" (also "kl." or "," between, or "2026-11-25T09:30") → "2026-11-25T09:30"; null if not. */
export function parseDanishDateTime(text) {
  const t = String(text || '').trim().replace(/\s*,?\s*kl\.?\s*/i, ' ').replace(/,\s*/, ' ');
  const x = /^(\S+)(?:\s+|T)(\S+)$/.exec(t);
  if (!x) return null;
  const d = parseDanishDate(x[1]); const tm = parseDanishTime(x[2]);
  return d && tm ? `${d}T${tm}` : null;
}
/** The other way: the app's value of a date, time or datetime field as the user reads it. */
export function showDanishInput(kind, v) {
  const s = String(v || '');
  const d = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  const t = /(?:^|T)(\d{2}):(\d{2})/.exec(s);
  if (kind === 'date') return d ? `${d[3]}.${d[2]}.${d[1]}` : s;
  if (kind === 'time') return t && !d ? `${t[1]}.${t[2]}` : s;
  return d && t ? `${d[3]}.${d[2]}.${d[1]} ${t[1]}.${t[2]}` : s;
}
export const DANISH_INPUT_FORMAT = { date: ['dd.mm.åååå', 'dd.mm.yyyy'], time: ['tt.mm', 'hh.mm'], 'datetime-local': ['dd.mm.åååå tt.mm', 'dd.mm.yyyy hh.mm'] };

export const ROLE_NAMES = {
  region_clinician: ['Behandler (F-ACT)', 'Clinician (F-ACT)'],
  region_manager: ['Afsnitsledelse (F-ACT)', 'Section manager (F-ACT)'],
  facility_staff: ['Kontaktperson (botilbud)', 'Contact person (facility)'],
  facility_manager: ['Botilbudsleder', 'Facility manager'],
  admin: ['Administrator', 'Administrator'],
};
export function roleName(r) { const n = ROLE_NAMES[r]; return n ? L(n[0], n[1]) : r; }
// the same without brackets, for inside a person's brackets: "Karen Klinik (Behandler, F-ACT)"
const ROLE_NAMES_FLAT = {
  region_clinician: ['Behandler, F-ACT', 'Clinician, F-ACT'],
  region_manager: ['Afsnitsledelse, F-ACT', 'Section manager, F-ACT'],
  facility_staff: ['Kontaktperson, botilbud', 'Contact person, facility'],
};
/** A person with their role, no nested brackets: "Karen Klinik (Behandler, F-ACT, tag)". */
export function personWithRole(name, role, tag) {
  const n = ROLE_NAMES_FLAT[role];
  return `${name} (${[n ? L(n[0], n[1]) : roleName(role), tag].filter(Boolean).join(', ')})`;
}
