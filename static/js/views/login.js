import { api } from '../api.js';
import { L } from '../i18n.js';
import { h, field, bindForm } from '../dom.js';
import { session, afterLogin } from '../app.js';
import { idleMinutes } from '../idle.js';

export async function loginView() {
  const expired = session.expired;
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
    h('p', L('Samarbejde mellem F-ACT-teamet og botilbuddet.', 'Collaboration between the F-ACT team and the facility.')),
    form);
}
