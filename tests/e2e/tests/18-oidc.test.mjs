// Log-in with the organisation's identity provider, in the browser: the button on the log-in
// page, the provider's own pages (tests/oidc/provider.mjs: the certified oidc-provider on
// loopback), back to the user's start page; an unknown user gets the Danish message; a key
// rotation at the provider (restarted with new keys) between two log-ins; log-out ends the
// provider's session too. This file starts its own provider and its own Samspil server
// (the test build, the same database) configured for it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, newPage, checkA11y, shot } from './helpers.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SECRET = 'samspil-e2e-oidc-secret-0b9d6e1f2a7c';
const ENGEN = '20000000-0000-4000-8000-000000000001';
const SLAGELSE = '10000000-0000-4000-8000-000000000001';

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function waitFor(url) {
  for (let i = 0; i < 150; i++) {
    try { const r = await fetch(url); if (r.ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

let providerPort, samspilPort, provider, samspil, browser, base, issuer;

async function startProvider() {
  provider = spawn('node', [join(ROOT, 'tests/oidc/provider.mjs')], {
    env: { ...process.env, PORT: String(providerPort), CLIENT_SECRET: SECRET, REDIRECT_BASE: base },
    stdio: 'ignore',
  });
  await waitFor(`${issuer}/.well-known/openid-configuration`);
}

async function stopProvider() {
  const done = new Promise((r) => provider.once('exit', r));
  provider.kill('SIGTERM');
  await done;
}

before(async () => {
  providerPort = await freePort();
  samspilPort = await freePort();
  issuer = `http://127.0.0.1:${providerPort}`;
  base = `http://127.0.0.1:${samspilPort}`;
  await startProvider();
  samspil = spawn(process.env.SAMSPIL_BIN || join(ROOT, 'build-test/samspil'), ['serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(samspilPort), BIND_ADDRESS: '127.0.0.1', PUBLIC_ORIGIN: base,
      RATE_LIMIT_PER_MINUTE: '100000',
      OIDC_PROVIDERS: 'test',
      OIDC_TEST_ISSUER: issuer,
      OIDC_TEST_CLIENT_ID: 'samspil',
      OIDC_TEST_CLIENT_SECRET: SECRET,
      OIDC_TEST_ORGANIZATIONS: `${SLAGELSE},${ENGEN}`,
      OIDC_TEST_DISPLAY_NAME: 'Testregionen',
      OIDC_TEST_ALLOW_HTTP: '1',
      OIDC_TEST_JWKS_MIN_REFRESH_SECONDS: '1',
    },
    stdio: 'ignore',
  });
  await waitFor(`${base}/healthz`);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  samspil?.kill('SIGTERM');
  provider?.kill('SIGTERM');
});

async function logInAtProvider(page, login) {
  await page.goto(`${base}/#/login`);
  await page.getByRole('link', { name: 'Log ind med Testregionen' }).click();
  await page.waitForURL((u) => u.href.startsWith(issuer));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any');
  await page.locator('button[type="submit"]').click();
  await page.waitForURL((u) => u.href.startsWith(base));
}

test('the log-in page offers the provider, and a clinician logs in through it', async () => {
  const page = await newPage(browser);
  await page.goto(`${base}/#/login`);
  await page.getByRole('link', { name: 'Log ind med Testregionen' }).waitFor();
  await checkA11y(page, 'log-in with providers');
  await shot(page, 'oidc-login');
  await logInAtProvider(page, 'clinician@slagelse.demo');
  await page.waitForFunction(() => location.hash && !location.hash.includes('/login') && document.querySelector('main h1'));
  const me = await page.evaluate(() => fetch('/api/me').then((r) => r.json()));
  assert.equal(me.email, 'clinician@slagelse.demo');
  assert.equal(me.role, 'region_clinician');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('an unknown user gets a Danish message and no session', async () => {
  const page = await newPage(browser);
  await logInAtProvider(page, 'ukendt.person@region.example');
  await page.waitForFunction(() => location.hash.startsWith('#/login?error=oidc-unknown-account'));
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /ingen Samspil-bruger med din e-mailadresse/);
  const st = await page.evaluate(() => fetch('/api/me').then((r) => r.status));
  assert.equal(st, 401);
  await checkA11y(page, 'refused log-in');
  await page.context().close();
});

test('after a key rotation at the provider the next log-in works, and log-out ends both', async () => {
  const page = await newPage(browser);
  await logInAtProvider(page, 'staff@engen.demo');
  await page.waitForFunction(() => !location.hash.includes('/login') && document.querySelector('main h1'));
  await page.context().close();

  const oldKeys = await (await fetch(`${issuer}/jwks`)).text();
  await stopProvider();
  await new Promise((r) => setTimeout(r, 1100)); // past JWKS_MIN_REFRESH_SECONDS
  await startProvider();
  assert.notEqual(await (await fetch(`${issuer}/jwks`)).text(), oldKeys);

  const next = await newPage(browser);
  await logInAtProvider(next, 'staff@engen.demo');
  await next.waitForFunction(() => !location.hash.includes('/login') && document.querySelector('main h1'));
  // log out: Samspil's session ends and the browser goes on to the provider's log-out
  await next.locator('#logout').click();
  await next.waitForURL((u) => u.href.startsWith(`${issuer}/session/end`));
  await next.locator('button[name="logout"]').click();
  await next.waitForURL((u) => u.href.startsWith(base));
  await next.getByRole('link', { name: 'Log ind med Testregionen' }).waitFor();
  const st = await next.evaluate(() => fetch('/api/me').then((r) => r.status));
  assert.equal(st, 401);
  await next.context().close();
});
