// The API client. The session is the HttpOnly cookie set by POST /api/auth/login: this code
// never sees or stores a token. Same-origin fetch sends Origin on unsafe methods (CSRF check).
import { L } from './i18n.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && problem.detail) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.code = this.problem.code || (status === 0 ? 'network' : `http-${status}`);
    this.errors = Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

let unauthorizedHandler = null;
/** Called with the error when the session is missing or expired (401). */
export function onUnauthorized(fn) { unauthorizedHandler = fn; }

/**
 * api(method, path, opts) → { data, etag, status, location }
 * opts: body (JSON), idem (Idempotency-Key), ifMatch (version number), accept, text (return text),
 * binary (return the bytes as sent, an ArrayBuffer: text() would drop a byte-order mark)
 */
export async function request(method, path, opts = {}) {
  const headers = { Accept: opts.accept || 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.idem) headers['Idempotency-Key'] = opts.idem;
  if (opts.ifMatch != null) headers['If-Match'] = `"${opts.ifMatch}"`;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    });
  } catch (e) {
    throw new ApiError(0, { code: 'network', detail: String(e && e.message) });
  }
  const type = res.headers.get('Content-Type') || '';
  const etag = (res.headers.get('ETag') || '').replace(/^W\//, '').replace(/"/g, '') || null;
  if (!res.ok) {
    let problem = null;
    if (type.includes('json')) { try { problem = await res.json(); } catch { problem = null; } }
    const err = new ApiError(res.status, problem);
    if (res.status === 401 && !opts.noAuthRedirect && unauthorizedHandler) unauthorizedHandler(err);
    throw err;
  }
  let data = null;
  if (res.status !== 204) {
    if (opts.binary) data = await res.arrayBuffer();
    else if (opts.text || !type.includes('json')) data = await res.text();
    else data = await res.json();
  }
  return { data, etag, status: res.status, location: res.headers.get('Location') };
}

export async function get(path, opts) { return (await request('GET', path, opts)).data; }
export const api = {
  get,
  post: (p, body, o = {}) => request('POST', p, { ...o, body }),
  put: (p, body, o = {}) => request('PUT', p, { ...o, body }),
  patch: (p, body, o = {}) => request('PATCH', p, { ...o, body }),
  del: (p, o = {}) => request('DELETE', p, o),
};

export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const a = new Uint8Array(16); crypto.getRandomValues(a);
  return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Plain-language Danish (or English) text for a problem code. */
const MESSAGES = {
  network: ['Samspil kan ikke nås lige nu. Tjek forbindelsen og prøv igen – det du har skrevet, er ikke tabt.', 'Samspil cannot be reached. Check the connection and try again – nothing you typed is lost.'],
  'validation-failed': ['Et eller flere felter er ikke udfyldt rigtigt. Se markeringen ved feltet.', 'One or more fields are not filled in correctly. See the note by the field.'],
  'safety-risk-requires-staff': ['Der er vurderet en sikkerhedsrisiko for beboeren. En gennemført samtale kræver, at kontaktpersonen eller en anden medarbejder, der kender beboeren, deltager.', 'A safety risk is assessed for this resident. A held conversation needs the contact person or another staff member who knows the resident present.'],
  'relatives-require-consent': ['Pårørende må kun deltage, når beboerens samtykke til det er gældende.', 'Relatives may take part only while the resident’s consent is in force.'],
  'partners-require-consent': ['Samarbejdspartnere må kun deltage med beboerens gældende samtykke, og de skal være nævnt i samtykket.', 'Partners may take part only with the resident’s consent in force, and must be named in it.'],
  'intensity-unchanged': ['Beboeren er allerede på det intensitetsniveau.', 'The resident is already at that intensity.'],
  'stale-version': ['En anden har gemt en ændring, mens du arbejdede. Intet af dit er gemt endnu: se hvad der er ændret, og gem igen.', 'Someone else saved a change while you worked. Nothing of yours was saved: see what changed and save again.'],
  'if-match-required': ['Siden skal genindlæses, før du kan gemme.', 'Reload the page before saving.'],
  'not-found': ['Det findes ikke, eller du har ikke adgang til det.', 'It does not exist, or you have no access to it.'],
  'kip-not-found': ['Beboeren har ingen KIP endnu.', 'The resident has no KIP yet.'],
  forbidden: ['Din rolle giver ikke adgang til dette.', 'Your role does not give access to this.'],
  'access-denied': ['Du har ikke adgang til denne beboer.', 'You have no access to this resident.'],
  'rate-limited': ['For mange forespørgsler på kort tid. Vent et øjeblik, og prøv igen.', 'Too many requests. Wait a moment and try again.'],
  'too-many-attempts': ['For mange forkerte log-ind-forsøg. Vent et kvarter.', 'Too many failed log-ins. Wait a quarter of an hour.'],
  'invalid-credentials': ['E-mail eller adgangskode er forkert.', 'The e-mail or password is not correct.'],
  'password-login-disabled': ['Din organisation logger ind med sin egen log-ind-tjeneste. Brug knappen for den ovenfor.', 'Your organisation logs in with its own log-in service. Use its button above.'],
  'session-expired': ['Din session er udløbet. Log ind igen – det du har skrevet, er bevaret.', 'Your session has expired. Log in again – what you typed is kept.'],
  'authentication-required': ['Log ind for at fortsætte.', 'Log in to continue.'],
  'already-signed': ['Jeres side har allerede underskrevet aftalen.', 'Your side has already signed.'],
  'agreement-not-awaiting-signatures': ['Kun en aftale, der er sendt til underskrift, kan underskrives.', 'Only an agreement sent for signatures can be signed.'],
  'not-your-side': ['Du kan kun underskrive for din egen organisations side.', 'You can sign only for your own side.'],
  'invalid-transition': ['Aftalen kan ikke skifte til den status nu.', 'The agreement cannot move to that status now.'],
  'cross-origin': ['Ændringen blev afvist af sikkerhedshensyn. Genindlæs siden.', 'The change was refused for security reasons. Reload the page.'],
  'idempotency-conflict': ['Samme handling blev sendt to gange med forskelligt indhold. Genindlæs siden.', 'The same action was sent twice with different content. Reload the page.'],
  'payload-too-large': ['Teksten er for lang.', 'The text is too long.'],
  conflict: ['Det findes allerede.', 'It already exists.'],
  'network-meeting-composition': ['Et netværksmøde skal have mindst én deltager fra kommunen, én fra regionen og beboeren selv.', 'A network meeting needs at least one participant from the municipality, one from the region and the resident.'],
  'joint-event-staff-only': ['Kun medarbejdere deltager i fælles arrangementer; beboere og pårørende deltager i netværksmøder.', 'Only staff take part in joint events; residents and relatives take part in network meetings.'],
  'participant-exists': ['Personen deltager allerede i mødet.', 'The person already takes part in the meeting.'],
  'participant-not-of-the-pair': ['Personen er ikke (længere) aktiv i teamet eller på botilbuddet.', 'The person is not (or no longer) active in the team or at the facility.'],
  'not-author': ['Kun den behandler, der loggede samtalen, kan rette den.', 'Only the clinician who logged the conversation can correct it.'],
  'correction-required': ['Resumé og notat kan kun ændres ved at rette samtalen.', 'The summary and note can only change by correcting the conversation.'],
  'participant-side': ['Medarbejdere deltager for deres egen organisations side.', 'Staff take part on their own organisation’s side.'],
};

export function problemText(err) {
  const m = MESSAGES[err.code];
  if (m) return L(m[0], m[1]);
  if (err.status === 401) return L(MESSAGES['session-expired'][0], MESSAGES['session-expired'][1]);
  if (err.status === 403) return L(MESSAGES.forbidden[0], MESSAGES.forbidden[1]);
  if (err.status === 404) return L(MESSAGES['not-found'][0], MESSAGES['not-found'][1]);
  if (err.status === 409) return L('Handlingen passer ikke med aftalens eller postens nuværende tilstand.', 'The action does not fit the current state.');
  if (err.status === 412) return L(MESSAGES['stale-version'][0], MESSAGES['stale-version'][1]);
  if (err.status === 422) return L(MESSAGES['validation-failed'][0], MESSAGES['validation-failed'][1]);
  if (err.status >= 500) return L('Der skete en fejl hos Samspil. Prøv igen om lidt; det du har skrevet, er ikke tabt.', 'Samspil had an error. Try again shortly; nothing you typed is lost.');
  return L('Noget gik galt.', 'Something went wrong.');
}

/** Plain Danish for a field's reason (the API writes reasons in English). */
export function reasonText(reason, code, field) {
  const r = String(reason || '').toLowerCase();
  if (field === 'password') return L('Adgangskoden skal være på mindst 10 tegn.', 'The password must be at least 10 characters.');
  const byCode = MESSAGES[code];
  if (byCode && code !== 'validation-failed') return L(byCode[0], byCode[1]);
  if (r === 'format:date') return L('Skriv datoen som dd.mm.åååå, fx 25.11.2026.', 'Write the date as dd.mm.yyyy, e.g. 25.11.2026.');
  if (r === 'format:time') return L('Skriv tiden som tt.mm (24 timer), fx 09.30.', 'Write the time as hh.mm (24 hours), e.g. 09.30.');
  if (r === 'format:datetime-local') return L('Skriv dato og tid som dd.mm.åååå tt.mm, fx 25.11.2026 09.30.', 'Write date and time as dd.mm.yyyy hh.mm, e.g. 25.11.2026 09.30.');
  if (r.includes('required') || r.includes('missing')) return L('Skal udfyldes.', 'Required.');
  if (r.includes('too long') || r.includes('at most') || r.includes('characters')) return L('Teksten er for lang eller for kort.', 'The text is too long or too short.');
  if (r.includes('email') || r.includes('e-mail')) return L('Skriv en gyldig e-mailadresse.', 'Enter a valid e-mail address.');
  if (r.includes('date') || r.includes('time')) return L('Skriv en gyldig dato eller tid.', 'Enter a valid date or time.');
  if (r.includes('before') || r.includes('after')) return L('Datoerne passer ikke sammen (slut skal være efter start).', 'The dates do not fit (end must be after start).');
  if (r.includes('already') || r.includes('exists') || r.includes('taken')) return L('Findes allerede.', 'Already exists.');
  if (r.includes('one of')) return L('Vælg en af mulighederne.', 'Choose one of the options.');
  return L('Værdien er ikke gyldig.', 'The value is not valid.');
}
