import { api, get } from '../api.js';
import { L, oidcErrorText } from '../i18n.js';
import { h, field, bindForm } from '../dom.js';
import { session, afterLogin } from '../app.js';
import { idleMinutes } from '../idle.js';

/** The identity providers' buttons ("Log ind med <name>"), plain links: the log-in is a
 * navigation through the provider's pages and back (server/oidc_login.c). */
async function providers() {
  try {
    return await get('/api/auth/providers', { noAuthRedirect: true });
  } catch {
    return { providers: [], password_login: true };
  }
}

export async function loginView() {
  const expired = session.expired;
  const error = new URLSearchParams(location.hash.split('?')[1] || '').get('error');
  const idp = await providers();
  const buttons = idp.providers.length
    ? h('div.card.narrow.idp-buttons', { role: 'group', 'aria-label': L('Log ind med din organisation', 'Log in with your organisation') },
      ...idp.providers.map((p) => h('p', h('a.btn-primary', { href: p.start_url, 'data-provider': p.name },
        L(`Log ind med ${p.display_name}`, `Log in with ${p.display_name}`)))))
    : null;
  const form = h('form.card.narrow', { method: 'post', action: '#' },
    field('email', L('E-mail', 'E-mail'), { kind: 'email', required: true, autocomplete: 'username' }),
    field('password', L('Adgangskode', 'Password'), { kind: 'password', required: true, autocomplete: 'current-password' }),
    h('div.actions', h('button.btn-primary', { type: 'submit' }, L('Log ind', 'Log in'))));
  bindForm(form, 'login', async (v) => {
    await api.post('/api/auth/login', { email: v.email.trim(), password: v.password }, { noAuthRedirect: true });
    session.expired = false;
    await afterLogin();
  }, { noDraft: ['password'] });
  return h('div',
    h('h1', L('Log ind i Samspil', 'Log in to Samspil')),
    expired === 'idle' ? h('p.alert.alert-info', { role: 'status' }, L(`Du er logget ud, fordi skærmen ikke har været brugt i ${idleMinutes()} minutter. Log ind igen – du kommer tilbage til det, du var i gang med, og det du har skrevet, er bevaret.`, `You were logged out because the screen was not used for ${idleMinutes()} minutes. Log in again – you will return to what you were doing, with what you typed.`))
      : expired ? h('p.alert.alert-info', { role: 'status' }, L('Din session er udløbet. Log ind igen – du kommer tilbage til det, du var i gang med, og det du har skrevet, er bevaret.', 'Your session has expired. Log in again – you will return to what you were doing, with what you typed.')) : null,
    error && /^oidc-[a-z-]{1,40}$/.test(error) ? h('p.alert.alert-error', { role: 'alert' }, oidcErrorText(error)) : null,
    h('p', L('Samarbejde mellem F-ACT-teamet og botilbuddet.', 'Collaboration between the F-ACT team and the facility.')),
    buttons,
    buttons && idp.password_login ? h('h2', L('Eller med e-mail og adgangskode', 'Or with e-mail and password')) : null,
    idp.password_login ? form : null);
}
