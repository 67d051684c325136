// Checks that no secret the end-to-end tests issued or saw appears in any `wrangler dev` log
// of the run. The harness (tests/e2e/harness.mjs recordSecret) appends every token, code,
// key and cookie to .wrangler/e2e-secrets/*.jsonl; this scans every worker log in
// .wrangler/e2e-logs (files the harness starts with "# <time> … wrangler.js dev", and
// wrangler's own debug logs) for each of them, and prints file:line for every hit.
//
// Usage: node scripts/lib/scan-secrets.mjs [--logs DIR] [--secrets DIR]
// Exit status: 0 clean, 1 a secret was found, 2 nothing to check (no secrets or no logs).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: opts } = parseArgs({
  options: {
    logs: { type: 'string', default: path.join(REPO_ROOT, '.wrangler', 'e2e-logs') },
    secrets: { type: 'string', default: path.join(REPO_ROOT, '.wrangler', 'e2e-secrets') },
  },
});

const files = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile()) : []);

const secrets = new Map(); // value → what
for (const file of files(opts.secrets)) {
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const { what, value } = JSON.parse(line);
      if (typeof value === 'string' && value.length >= 12) secrets.set(value, what);
    } catch {}
  }
}
const workerLog = (file) => {
  if (file.includes(`${path.sep}wrangler-debug${path.sep}`)) return true;
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(400);
  const n = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  return /^# \S+ .*wrangler\.js dev /.test(head.subarray(0, n).toString('utf8'));
};
const logs = files(opts.logs).filter(workerLog);
console.log(`scan-secrets: ${secrets.size} secrets against ${logs.length} worker logs in ${path.relative(REPO_ROOT, opts.logs) || opts.logs}`);
if (!secrets.size || !logs.length) {
  console.error('scan-secrets: nothing to check: run the end-to-end suites first (scripts/test)');
  process.exit(2);
}
let hits = 0;
for (const file of logs) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    for (const [value, what] of secrets) {
      if (line.includes(value)) {
        hits++;
        console.log(`${path.relative(REPO_ROOT, file)}:${i + 1}: contains a ${what} (${value.slice(0, 4)}…)`);
      }
    }
  });
}
console.log(hits ? `scan-secrets: FAILED: ${hits} secret(s) in worker logs` : 'scan-secrets: no secret in any worker log');
process.exit(hits ? 1 : 0);
