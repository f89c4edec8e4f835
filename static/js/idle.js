// Log-out after inactivity, for the shared computers and tablets at the facility: after
// the server's idle_logout_seconds (/api/me; IDLE_LOGOUT_MINUTES, default 15) without a key,
// a touch or a click the session ends and the screen shows the
// log-in, so no resident data is left on it. A warning a minute before offers to stay. What
// was typed is kept for the same user (see claimDrafts in dom.js), never shown to another.
import { L } from './i18n.js';
import { h, uid } from './dom.js';

const WARN_SECONDS = 60;
let limitSeconds = 15 * 60;

/** The limit as the server states it (seconds); at least two minutes, so the warning fits. */
export function setIdleLimit(seconds) {
  if (Number.isFinite(seconds) && seconds > 0) limitSeconds = Math.max(120, seconds);
}
/** The limit in whole minutes, for messages. */
export function idleMinutes() { return Math.round(limitSeconds / 60); }

let last = Date.now();
let timer = null;
let dialog = null;
let onTimeout = null;
let isActive = () => false;

function activity() {
  last = Date.now();
}

function closeWarning() {
  if (dialog) { dialog.close(); dialog.remove(); dialog = null; }
}

function showWarning(secondsLeft) {
  if (dialog) {
    dialog.querySelector('.countdown').textContent = String(Math.max(0, secondsLeft));
    return;
  }
  const titleId = uid('idle');
  const stay = h('button.btn-primary', { type: 'button' }, L('Bliv logget ind', 'Stay logged in'));
  dialog = h('dialog.dialog', { role: 'alertdialog', 'aria-labelledby': titleId, 'aria-describedby': `${titleId}-d` },
    h('h2', { id: titleId }, L('Er du her stadig?', 'Are you still there?')),
    h('p', { id: `${titleId}-d` }, L('Du bliver logget ud om ', 'You will be logged out in '), h('span.countdown', String(secondsLeft)),
      L(' sekunder, fordi skærmen ikke har været brugt. Det, du har skrevet, er gemt til du logger ind igen.', ' seconds because the screen has not been used. What you typed is kept until you log in again.')),
    h('div.actions', stay));
  stay.addEventListener('click', () => { activity(); closeWarning(); });
  dialog.addEventListener('cancel', (e) => { e.preventDefault(); activity(); closeWarning(); });
  document.body.append(dialog);
  dialog.showModal();
  stay.focus();
}

function tick() {
  if (!isActive()) { closeWarning(); last = Date.now(); return; }
  const idle = (Date.now() - last) / 1000;
  const limit = limitSeconds;
  if (idle >= limit) {
    closeWarning();
    last = Date.now();
    if (onTimeout) onTimeout();
  } else if (idle >= limit - WARN_SECONDS) {
    showWarning(Math.ceil(limit - idle));
  } else if (dialog) {
    closeWarning();
  }
}

/** Starts watching: active() says whether someone is signed in; timeout() logs out. */
export function watchIdle(active, timeout) {
  isActive = active;
  onTimeout = timeout;
  for (const ev of ['keydown', 'pointerdown', 'input', 'wheel', 'touchstart']) {
    document.addEventListener(ev, () => { if (!dialog) activity(); }, { capture: true, passive: true });
  }
  clearInterval(timer);
  timer = setInterval(tick, 1000);
}
