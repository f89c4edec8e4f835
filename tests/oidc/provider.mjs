// A real OpenID provider (the certified `oidc-provider`) on loopback for Samspil's log-in
// tests. Started by the tests themselves: node tests/oidc/provider.mjs, with
//   PORT                      the loopback port (issuer http://127.0.0.1:PORT)
//   CLIENT_SECRET             the secret of both Samspil clients
//   REDIRECT_BASE             Samspil's origin (redirect and post-logout URIs are made from it)
// Its keys (one RSA, one EC P-256) are generated at every start with fresh kids, so starting
// it again is a key rotation. Log-in goes through its own (development) pages: any login name
// is accepted as the account, and the account's e-mail is that name.
//
// Two clients, so Samspil can be configured with two providers of one issuer:
//   samspil     RS256 ID tokens, client_secret_basic
//   samspil-es  ES256 ID tokens, client_secret_post
//   samspil-pk  RS256 ID tokens, private_key_jwt (only with PKJWT_PUBLIC_KEY_FILE, a PEM)
//
// Test-only: POST /__test/next-token {"mode": ...} changes the ID token of the next token
// response (only one): "forge" (signed with another key under the real kid), "expired",
// "wrong-aud" (both signed with the real key), "unknown-kid" (another key under a new kid),
// "replace" with {"id_token": "..."} (a replay). GET /__test/last-id-token: the ID token
// of the last token response; GET /__test/stats: {"jwks": requests of the JWKS so far}.
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import * as jose from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 0);
const issuer = `http://127.0.0.1:${port}`;
const secret = process.env.CLIENT_SECRET || 'samspil-test-secret-0123456789abcdef';
const base = process.env.REDIRECT_BASE || 'http://127.0.0.1:8080';

function keyPair(kind) {
  const { privateKey } = kind === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  jwk.kid = `${kind}-${randomBytes(6).toString('hex')}`;
  jwk.use = 'sig';
  jwk.alg = kind === 'rsa' ? 'RS256' : 'ES256';
  return jwk;
}
const keys = [keyPair('rsa'), keyPair('ec')];

const callbacks = ['test', 'test-es', 'test-pk'].map((n) => `${base}/api/auth/oidc/${n}/callback`);
const clients = ['samspil', 'samspil-es'].map((id) => ({
  client_id: id,
  client_secret: secret,
  redirect_uris: callbacks,
  post_logout_redirect_uris: [`${base}/`],
  response_types: ['code'],
  grant_types: ['authorization_code'],
  token_endpoint_auth_method: id === 'samspil' ? 'client_secret_basic' : 'client_secret_post',
  id_token_signed_response_alg: id === 'samspil' ? 'RS256' : 'ES256',
}));

// A third client that authenticates with private_key_jwt, when its public key is given.
if (process.env.PKJWT_PUBLIC_KEY_FILE) {
  const jwk = createPublicKey(readFileSync(process.env.PKJWT_PUBLIC_KEY_FILE)).export({ format: 'jwk' });
  clients.push({
    client_id: 'samspil-pk',
    redirect_uris: callbacks,
    post_logout_redirect_uris: [`${base}/`],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'RS256',
    jwks: { keys: [jwk] },
  });
}

const provider = new Provider(issuer, {
  clients,
  jwks: { keys },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, email: id, email_verified: true, name: id }),
  }),
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  scopes: ['openid', 'email', 'profile'],
  // the e-mail in the ID token itself (as Entra ID and most brokers put it), not only at userinfo
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  pkce: { methods: ['S256'], required: () => true },
  // Samspil's clients are first-party: no consent page
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

let nextToken = null; // the one-shot test mode
let lastIdToken = null;
let jwksRequests = 0;

async function tamper(idToken) {
  const mode = nextToken;
  nextToken = null;
  if (mode.mode === 'replace') return mode.id_token;
  const header = jose.decodeProtectedHeader(idToken);
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  let key = keys.find((k) => k.kid === header.kid);
  if (mode.mode === 'expired') { claims.iat = now - 1200; claims.exp = now - 600; }
  if (mode.mode === 'wrong-aud') claims.aud = 'someone-else';
  if (mode.mode === 'forge') key = { ...keyPair(header.alg === 'ES256' ? 'ec' : 'rsa'), kid: header.kid };
  if (mode.mode === 'unknown-kid') key = keyPair(header.alg === 'ES256' ? 'ec' : 'rsa');
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg: header.alg, kid: key.kid, typ: header.typ })
    .sign(await jose.importJWK(key, header.alg));
}

provider.use(async (ctx, next) => {
  if (ctx.method === 'POST' && ctx.path === '/__test/next-token') {
    const chunks = [];
    for await (const c of ctx.req) chunks.push(c);
    nextToken = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    ctx.status = 204;
    return;
  }
  if (ctx.method === 'GET' && ctx.path === '/__test/last-id-token') {
    ctx.body = { id_token: lastIdToken };
    return;
  }
  if (ctx.method === 'GET' && ctx.path === '/__test/stats') {
    ctx.body = { jwks: jwksRequests };
    return;
  }
  if (ctx.path === '/jwks') jwksRequests++;
  await next();
  if (ctx.method === 'POST' && ctx.path === '/token' && ctx.body?.id_token) lastIdToken = ctx.body.id_token;
  if (ctx.path === '/jwks' || ctx.path === '/.well-known/openid-configuration') {
    ctx.set('Cache-Control', 'public, max-age=300');
  }
  if (ctx.method === 'POST' && ctx.path === '/token' && nextToken && ctx.body?.id_token) {
    ctx.body = { ...ctx.body, id_token: await tamper(ctx.body.id_token) };
  }
});

const server = http.createServer(provider.callback());
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`READY ${issuer} ${keys.map((k) => k.kid).join(' ')}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
