// Runs the browser tests one file after another with Node's built-in test runner
// (works on Node 18, which lacks --test-concurrency). Exit status: failed if any file failed.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'tests');
const only = process.argv.slice(2);
const files = readdirSync(dir).filter((f) => f.endsWith('.test.mjs') && (!only.length || only.some((o) => f.includes(o)))).sort();
let failed = 0;
for (const f of files) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--test', join(dir, f)], { stdio: 'inherit', env: process.env });
  const ok = r.status === 0;
  if (!ok) failed += 1;
  console.log(`# e2e ${ok ? 'ok    ' : 'FAILED'} ${f} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
console.log(`# e2e: ${files.length - failed} of ${files.length} files passed`);
process.exit(failed ? 1 : 0);
