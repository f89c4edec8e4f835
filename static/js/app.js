// Samspil: the single-page app. A hash router, the session (HttpOnly cookie; we only ask
// /api/me who we are), the menu per role and the language switch.
import { api, get, onUnauthorized, ApiError } from './api.js';
import { L, getLang, setLang, onLangChange, roleName } from './i18n.js';
import { h, loading, errorBox, announce, claimDrafts, clearAllDrafts, draftsOwner, hasUnsavedDrafts } from './dom.js';
import { watchIdle, setIdleLimit, idleMinutes } from './idle.js';
import * as clin from './views/clinician.js';
import * as res from './views/resident.js';
import * as staff from './views/staff.js';
import * as agr from './views/agreements.js';
import * as rep from './views/reports.js';
import * as adm from './views/admin.js';
import * as misc from './views/misc.js';
import { loginView } from './views/login.js';

const R = {
  clin: ['region_clinician'],
  region: ['region_clinician', 'region_manager'],
  facility: ['facility_staff', 'facility_manager'],
  managers: ['region_manager', 'facility_manager'],
  care: ['region_clinician', 'region_manager', 'facility_staff', 'facility_manager'],
  admin: ['admin'],
};

// pattern, view, roles
const ROUTES = [
  ['/login', loginView, null],
  ['/today', clin.todayView, R.clin],
  ['/log/:id', clin.logView, R.clin],
  ['/board', clin.boardView, R.care],
  ['/residents', res.residentsView, R.care],
  ['/residents/:id', res.residentView, R.care],
  ['/residents/:id/kip', res.kipView, R.care],
  ['/residents/:id/kip/edit', res.kipEditView, R.care],
  ['/residents/:id/consents', res.consentsView, R.care],
  ['/residents/:id/audit', rep.auditRedirectView, R.managers], // old address: now /audit/:id
  ['/conversations/:id/correct', res.conversationCorrectView, R.clin],
  ['/conversations/:id/history', res.conversationHistoryView, R.care],
  ['/mine', staff.mineView, R.facility],
  ['/monday-mail', staff.mondayMailView, R.facility],
  ['/monday-mail/preview', staff.previewView, R.facility],
  ['/admissions', staff.admissionsView, R.care],
  ['/received', misc.receivedView, R.region],
  ['/agreements', agr.agreementsView, R.care],
  ['/agreements/new', agr.agreementEditView, R.managers],
  ['/agreements/:id', agr.agreementView, R.care],
  ['/agreements/:id/edit', agr.agreementEditView, R.managers],
  ['/reports/admissions', rep.admissionsReportView, R.managers],
  ['/reports/attendance', rep.attendanceView, R.managers],
  ['/audit', rep.auditView, R.managers],
  ['/audit/:id', rep.auditView, R.managers],
  ['/audit/:id/access', rep.accessReportView, R.managers],
  ['/calendar', misc.calendarView, R.care],
  ['/meetings', misc.meetingsView, R.care],
  ['/meetings/new', misc.meetingNewView, R.care],
  ['/meetings/:id', misc.meetingView, R.care],
  ['/wheel', misc.wheelView, R.care],
  ['/admin/orgs', adm.orgsView, R.admin],
  ['/admin/users', adm.usersView, R.admin],
];

const HOME = {
  region_clinician: '/today', region_manager: '/agreements', facility_staff: '/mine',
  facility_manager: '/agreements', admin: '/admin/users',
};

function menu(role) {
  const items = {
    region_clinician: [['/today', 'Dagens besøg', "Today's visit"], ['/board', 'F-ACT-tavle', 'F-ACT board'], ['/residents', 'Beboere', 'Residents'], ['/received', 'Mandagsmails', 'Monday mails'], ['/calendar', 'Kalender', 'Calendar'], ['/meetings', 'Møder', 'Meetings'], ['/wheel', 'Årshjul', 'Annual wheel']],
    region_manager: [['/agreements', 'Aftaler', 'Agreements'], ['/reports/admissions', 'Indlæggelser', 'Admissions'], ['/reports/attendance', 'Fremmøde', 'Attendance'], ['/audit', 'Adgangslog', 'Audit log'], ['/board', 'F-ACT-tavle', 'F-ACT board'], ['/residents', 'Beboere', 'Residents'], ['/received', 'Mandagsmails', 'Monday mails'], ['/calendar', 'Kalender', 'Calendar'], ['/meetings', 'Møder', 'Meetings'], ['/wheel', 'Årshjul', 'Annual wheel']],
    facility_staff: [['/mine', 'Mine beboere', 'My residents'], ['/monday-mail', 'Mandagsmail', 'Monday mail'], ['/admissions', 'Indlæggelser', 'Admissions'], ['/residents', 'Alle beboere', 'All residents'], ['/calendar', 'Kalender', 'Calendar'], ['/meetings', 'Møder', 'Meetings'], ['/wheel', 'Årshjul', 'Annual wheel']],
    facility_manager: [['/agreements', 'Aftaler', 'Agreements'], ['/admissions', 'Indlæggelser', 'Admissions', ['/reports/admissions']], ['/reports/attendance', 'Fremmøde', 'Attendance'], ['/audit', 'Adgangslog', 'Audit log'], ['/monday-mail', 'Mandagsmail', 'Monday mail'], ['/residents', 'Beboere', 'Residents'], ['/calendar', 'Kalender', 'Calendar'], ['/meetings', 'Møder', 'Meetings'], ['/wheel', 'Årshjul', 'Annual wheel']],
    admin: [['/admin/users', 'Brugere', 'Users'], ['/admin/orgs', 'Organisationer', 'Organisations']],
  };
  return items[role] || [];
}

export const session = { me: null, returnTo: null };

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?');
  return { path: path || '/', query: new URLSearchParams(qs || '') };
}

function match(path) {
  for (const [pattern, view, roles] of ROUTES) {
    const names = [];
    const re = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, n) => { names.push(n); return '([^/]+)'; })}$`);
    const m = re.exec(path);
    if (m) {
      const params = {};
      names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
      return { view, roles, params, pattern };
    }
  }
  return null;
}

export function navigate(path) {
  if (location.hash === `#${path}`) render(); else location.hash = path;
}

function renderChrome() {
  const nav = document.getElementById('nav');
  const me = session.me;
  const { path } = parseHash();
  nav.setAttribute('aria-label', L('Hovedmenu', 'Main menu'));
  // an item is current on its page, the pages under it, and the pages it stands for (also)
  const current = (p, also = []) => [p, ...also].some((x) => path === x || (x !== '/' && path.startsWith(`${x}/`)));
  nav.replaceChildren(me ? h('ul', menu(me.role).map(([p, da, en, also]) => h('li', h('a', { href: `#${p}`, 'aria-current': current(p, also) ? 'page' : null }, L(da, en))))) : '');
  document.getElementById('who').textContent = me ? `${me.name} · ${roleName(me.role)} · ${me.org_name || ''}` : '';
  const logout = document.getElementById('logout');
  logout.hidden = !me;
  logout.textContent = L('Log ud', 'Log out');
  const sw = document.getElementById('lang-switch');
  sw.textContent = getLang() === 'da' ? 'English' : 'Dansk';
  sw.setAttribute('lang', getLang() === 'da' ? 'en' : 'da');
  sw.setAttribute('aria-label', getLang() === 'da' ? 'Switch to English' : 'Skift til dansk');
  document.getElementById('skip-link').textContent = L('Gå til indhold', 'Skip to content');
  document.getElementById('brand-link').setAttribute('href', me ? `#${HOME[me.role] || '/'}` : '#/login');
}

let renderSeq = 0;
let lastPath = null;
export async function render() {
  const seqNo = ++renderSeq;
  const { path, query } = parseHash();
  const main = document.getElementById('main');
  if (!session.me && path !== '/login') {
    try {
      session.me = await get('/api/me', { noAuthRedirect: true });
      claimDrafts(session.me.id);
      setIdleLimit(session.me.idle_logout_seconds);
    } catch (e) {
      if (seqNo !== renderSeq) return;
      if (!(e instanceof ApiError) || e.status === 401) {
        session.returnTo = path === '/' ? null : location.hash.slice(1);
        location.hash = '/login';
        return;
      }
      main.replaceChildren(errorBox(e));
      return;
    }
  }
  if (seqNo !== renderSeq) return;
  if (path === '/' || path === '') { location.replace(`#${session.me ? HOME[session.me.role] || '/login' : '/login'}`); return; }
  renderChrome();
  const m = match(path);
  const samePage = lastPath === location.hash;
  lastPath = location.hash;
  if (!m) {
    main.replaceChildren(h('h1', { tabindex: '-1' }, L('Siden findes ikke', 'Page not found')), h('p', h('a', { href: '#/' }, L('Til forsiden', 'Go to the start page'))));
    focusHeading(main);
    return;
  }
  if (m.roles && session.me && !m.roles.includes(session.me.role)) {
    main.replaceChildren(h('h1', { tabindex: '-1' }, L('Ingen adgang', 'No access')), h('p', L('Din rolle giver ikke adgang til denne side.', 'Your role does not give access to this page.')), h('p', h('a', { href: `#${HOME[session.me.role]}` }, L('Til din forside', 'Go to your start page'))));
    focusHeading(main);
    return;
  }
  const scroll = samePage ? window.scrollY : 0;
  if (!samePage) main.replaceChildren(loading());
  main.setAttribute('aria-busy', 'true');
  try {
    const node = await m.view({ params: m.params, query, me: session.me, rerender: render });
    if (seqNo !== renderSeq) return;
    if (node) main.replaceChildren(node);
  } catch (e) {
    if (seqNo !== renderSeq) return;
    if (e instanceof ApiError && e.status === 401) return;
    console.error(e);
    main.replaceChildren(h('h1', { tabindex: '-1' }, L('Noget gik galt', 'Something went wrong')), e instanceof ApiError ? errorBox(e) : h('p', String(e.message || e)));
  } finally {
    main.removeAttribute('aria-busy');
  }
  const h1 = main.querySelector('h1');
  document.title = `${h1 ? h1.textContent : ''} – Samspil`;
  if (!samePage) { focusHeading(main); announce(h1 ? h1.textContent : ''); } else window.scrollTo(0, scroll);
}

function focusHeading(main) {
  const h1 = main.querySelector('h1');
  if (h1) { h1.tabIndex = -1; h1.focus({ preventScroll: false }); }
}

export async function afterLogin() {
  session.me = await get('/api/me');
  setIdleLimit(session.me.idle_logout_seconds);
  const previous = session.returnFor || draftsOwner();
  claimDrafts(session.me.id); // another user's drafts are dropped here
  // back to where the same user was, or to the page a link opened before anyone logged in
  // here (the Monday mail's notification); someone else starts on their own start page
  const back = previous == null || previous === session.me.id ? session.returnTo : null;
  session.returnTo = null;
  session.returnFor = null;
  location.hash = back && back !== '/login' ? back : HOME[session.me.role] || '/';
}

/** The session ended without a log-out click: remember where this user was. */
function sessionEnded(reason) {
  if (parseHash().path === '/login') return;
  session.returnFor = session.me ? session.me.id : session.returnFor;
  session.me = null;
  session.expired = reason;
  session.returnTo = location.hash.slice(1);
  document.getElementById('main').replaceChildren(); // nothing of the resident stays on screen
  location.hash = '/login';
}

onUnauthorized(() => sessionEnded('expired'));

/** Ends the Samspil session; after a log-in with an identity provider, the provider's
 * log-out address to go on to (only an http(s) URL), else null. */
async function logout() {
  try {
    const r = await api.post('/api/auth/logout', undefined, { noAuthRedirect: true });
    const to = r.data && r.data.redirect;
    return typeof to === 'string' && /^https?:\/\//.test(to) ? to : null;
  } catch { return null; /* already out */ }
}

document.addEventListener('DOMContentLoaded', () => {
  document.documentElement.lang = getLang();
  document.getElementById('lang-switch').addEventListener('click', () => {
    setLang(getLang() === 'da' ? 'en' : 'da');
  });
  document.getElementById('skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    const main = document.getElementById('main');
    main.focus();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    const providerLogout = await logout();
    session.me = null;
    session.returnTo = null;
    session.returnFor = null;
    clearAllDrafts();
    if (providerLogout) { location.assign(providerLogout); return; }
    location.hash = '/login';
  });
  watchIdle(() => !!session.me, async () => {
    const providerLogout = await logout();
    sessionEnded('idle');
    // a shared computer: the organisation's log-in ends too, or the next person's click on
    // "Log ind med ..." would be the last user's
    if (providerLogout) { location.assign(providerLogout); return; }
    announce(L(`Du er logget ud efter ${idleMinutes()} minutter uden aktivitet.`, `You were logged out after ${idleMinutes()} minutes without activity.`));
  });
  onLangChange(() => { lastPath = location.hash; render(); announce(L('Sproget er nu dansk', 'The language is now English')); });
  window.addEventListener('hashchange', render);
  // unsaved text lives in memory only: leaving or reloading the page asks first
  window.addEventListener('beforeunload', (e) => {
    if (session.me && hasUnsavedDrafts()) { e.preventDefault(); e.returnValue = ''; }
  });
  render();
});
