// Administration: organisations and user accounts. No resident data here.
import { api, get, ApiError } from '../api.js';
import { L, fmtDate, roleName, ROLE_NAMES } from '../i18n.js';
import { h, field, bindForm, empty, section, table, confirmDialog, errorBox } from '../dom.js';
import { navigate } from '../app.js';
import { all, takeFlash, setFlash } from './common.js';

const ORG_KIND = { team: ['F-ACT-team (region)', 'F-ACT team (region)'], facility: ['Botilbud (kommune)', 'Facility (municipality)'], operations: ['Drift', 'Operations'] };

export async function orgsView() {
  const orgs = await all('/api/organizations?limit=200');
  const teams = orgs.filter((o) => o.kind === 'team');
  const name = (id) => (orgs.find((o) => o.id === id) || {}).name || '–';
  const form = h('form.card', { action: '#' },
    h('div.grid2',
      field('name', L('Navn', 'Name'), { required: true }),
      field('kind', L('Type', 'Kind'), { kind: 'select', options: Object.keys(ORG_KIND).map((k) => [k, L(...ORG_KIND[k])]) }),
      field('authority', L('Myndighed (region/kommune)', 'Authority (region/municipality)'), { required: true }),
      field('address', L('Adresse', 'Address')),
      field('serving_team_id', L('F-ACT-team, der betjener botilbuddet', 'F-ACT team serving the facility'), { kind: 'select', options: [['', L('Ingen', 'None')], ...teams.map((t) => [t.id, t.name])], hint: L('Kun for botilbud.', 'Facilities only.') })),
    h('div.actions', h('button.btn-primary', { type: 'submit' }, L('Opret organisation', 'Create organisation'))));
  bindForm(form, 'org:new', async (v, idem) => {
    await api.post('/api/organizations', { name: v.name, kind: v.kind, authority: v.authority, address: v.address || undefined, serving_team_id: v.kind === 'facility' && v.serving_team_id ? v.serving_team_id : null }, { idem });
    setFlash(`${L('Organisationen', 'The organisation')} ${v.name} ${L('er oprettet.', 'is created.')}`);
    navigate(`/admin/orgs?t=${Date.now()}`);
  });
  return h('div', h('h1', L('Organisationer', 'Organisations')), takeFlash(),
    table(L('Organisationer', 'Organisations'), [L('Navn', 'Name'), L('Type', 'Kind'), L('Myndighed', 'Authority'), L('Betjenes af', 'Served by')],
      orgs.map((o) => [o.name, L(...(ORG_KIND[o.kind] || [o.kind, o.kind])), o.authority, o.serving_team_id ? name(o.serving_team_id) : '–']), { rowHeader: true, hideCaption: true }),
    section(L('Ny organisation', 'New organisation'), form));
}

export async function usersView() {
  const [users, orgs] = await Promise.all([all('/api/users?limit=200'), all('/api/organizations?limit=200')]);
  const org = (id) => (orgs.find((o) => o.id === id) || {}).name || '–';
  const msg = h('div');
  const rows = users.map((u) => {
    const toggle = h('button.btn-small', { type: 'button' }, u.active ? L('Deaktivér', 'Deactivate') : L('Genaktivér', 'Reactivate'), h('span.visually-hidden', ` ${u.name}`));
    toggle.addEventListener('click', async () => {
      if (u.active && !(await confirmDialog({ title: `${L('Deaktivér', 'Deactivate')} ${u.name}?`, body: L('Brugeren logges ud med det samme og kan ikke logge ind igen, før kontoen genaktiveres.', 'The user is logged out at once and cannot log in until the account is reactivated.'), confirm: L('Deaktivér', 'Deactivate'), danger: true }))) return;
      try { await api.patch(`/api/users/${u.id}`, { active: !u.active }); setFlash(`${u.name}: ${u.active ? L('deaktiveret', 'deactivated') : L('genaktiveret', 'reactivated')}.`); navigate(`/admin/users?t=${Date.now()}`); } catch (e) { if (e instanceof ApiError) msg.replaceChildren(errorBox(e)); else throw e; }
    });
    const reset = h('button.btn-small', { type: 'button' }, L('Ny adgangskode', 'Reset password'), h('span.visually-hidden', ` ${u.name}`));
    reset.addEventListener('click', async () => {
      const pw = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'[b % 55]).join('');
      if (!(await confirmDialog({ title: `${L('Ny adgangskode til', 'New password for')} ${u.name}?`, body: L('Der laves en ny tilfældig adgangskode, som du giver brugeren personligt. Brugerens nuværende sessioner afsluttes.', 'A new random password is made for you to hand over in person. The user’s current sessions end.'), confirm: L('Lav ny adgangskode', 'Make new password') }))) return;
      try {
        await api.patch(`/api/users/${u.id}`, { password: pw });
        msg.replaceChildren(h('div.alert.alert-success', { role: 'status' }, h('p', `${L('Ny adgangskode til', 'New password for')} ${u.name}: `, h('code', pw)), h('p', L('Den vises kun nu.', 'It is shown only now.'))));
      } catch (e) { if (e instanceof ApiError) msg.replaceChildren(errorBox(e)); else throw e; }
    });
    return [u.name, u.email, roleName(u.role), org(u.org_id), u.active ? L('Aktiv', 'Active') : h('strong.no', L('Deaktiveret', 'Deactivated')), h('span.btn-row', toggle, reset)];
  });
  const form = h('form.card', { action: '#' },
    h('div.grid2',
      field('name', L('Navn', 'Name'), { required: true }),
      field('email', L('E-mail', 'E-mail'), { kind: 'email', required: true }),
      field('role', L('Rolle', 'Role'), { kind: 'select', options: Object.keys(ROLE_NAMES).map((r) => [r, roleName(r)]) }),
      field('org_id', L('Organisation', 'Organisation'), { kind: 'select', options: orgs.map((o) => [o.id, o.name]) }),
      field('password', L('Første adgangskode (mindst 10 tegn)', 'First password (at least 10 characters)'), { kind: 'password', required: true, autocomplete: 'new-password' })),
    h('div.actions', h('button.btn-primary', { type: 'submit' }, L('Opret bruger', 'Create user'))));
  bindForm(form, 'user:new', async (v, idem) => {
    await api.post('/api/users', { name: v.name, email: v.email, role: v.role, org_id: v.org_id, password: v.password }, { idem });
    setFlash(`${v.name} ${L('er oprettet.', 'is created.')}`);
    navigate(`/admin/users?t=${Date.now()}`);
  }, { noDraft: ['password'] });
  return h('div', h('h1', L('Brugere', 'Users')), takeFlash(), msg,
    users.length ? table(L('Brugere', 'Users'), [L('Navn', 'Name'), L('E-mail', 'E-mail'), L('Rolle', 'Role'), L('Organisation', 'Organisation'), L('Status', 'Status'), L('Handlinger', 'Actions')], rows, { rowHeader: true, hideCaption: true, scroll: true }) : empty(L('Ingen brugere.', 'No users.')),
    section(L('Ny bruger', 'New user'), form));
}
