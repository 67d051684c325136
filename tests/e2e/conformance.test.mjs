// The official MCP conformance suite (@modelcontextprotocol/conformance), all server
// scenarios, against the worker with the test-only `conformance` toolset:
//   - 0.1.16 (the latest 0.1.x): the 2025-11-25 scenarios on the session wire;
//   - 0.2.0-alpha.12 --requirements 2025-11-25 (stricter checks, wire-schema validation);
//   - 0.2.0-alpha.12 --requirements 2026-07-28: the stateless era, with the Tasks extension.
// Each run uses tests/conformance/expected-failures.yml, which is empty: the suite then
// fails on any failure or warning in a scored scenario. Every scenario becomes a subtest
// and must pass, scored or not: the scenarios the suite runs without scoring them
// (extensions such as tasks-*, pending SEPs: `conformance list --server --requirements
// <rev>`) are listed in MUST_PASS, must be run, and must have no failed check and no
// warning either. Each run prints its totals: scenarios, and checks by status.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, node22, run, startFakeGitHub, startWorker, tempDir, workerVars } from './harness.mjs';

const BASELINE = path.join(REPO_ROOT, 'tests/conformance/expected-failures.yml');
/** Scenarios a requirement set runs without scoring them: each must be run, and pass. */
const MUST_PASS = {
  '2025-11-25': ['server-session-lifecycle', 'json-schema-2020-12', 'server-sse-polling'],
  '2026-07-28': [
    'tasks-lifecycle', 'tasks-capability-negotiation', 'tasks-wire-fields', 'tasks-request-state-removal',
    'tasks-mrtr-input', 'tasks-request-headers', 'tasks-dispatch-and-envelope', 'tasks-status-notifications',
    'tasks-required-task-error', 'tasks-mrtr-composition',
    'json-schema-2020-12', 'http-header-validation', 'http-custom-header-server-validation',
  ],
};
/**
 * Checks that must succeed, not only pass as INFO: SEP-1699's (2025-11-25) priming event and
 * `retry` field on a POST's event stream, and the stream `test_reconnection` closes mid-call,
 * resumed with Last-Event-ID. The suite counts a server that never streams as INFO.
 */
const RESUMPTION = ['server-sse-priming-event', 'server-sse-retry-field', 'server-sse-disconnect-resume'];
const RUNS = [
  // 0.1.16's full run leaves server-sse-polling out (0 of its 30 scenarios; the check ids were
  // never there, and this run failed on them): it runs on its own.
  { name: '0.1.16 (2025-11-25)', pkg: 'conformance-0.1', args: [], mustSucceed: [] },
  {
    name: '0.1.16 server-sse-polling', pkg: 'conformance-0.1', args: ['--scenario', 'server-sse-polling'],
    mustSucceed: RESUMPTION, scenarios: 1,
  },
  {
    name: '0.2.0-alpha.12 --requirements 2025-11-25', pkg: 'conformance-0.2', args: ['--requirements', '2025-11-25'],
    mustSucceed: RESUMPTION,
  },
  { name: '0.2.0-alpha.12 --requirements 2026-07-28', pkg: 'conformance-0.2', args: ['--requirements', '2026-07-28'], mustSucceed: [] },
];

let gh;
let worker;

before(async () => {
  gh = await startFakeGitHub();
  worker = await startWorker({ name: 'conformance', vars: workerVars(gh, { toolsets: 'conformance,github' }) });
});

after(async () => {
  await worker?.stop();
  await gh?.close();
});

/** The suite's summary lines: `✓ name: 3 passed, 0 failed`. */
function parseSummary(output) {
  const summary = output.slice(output.lastIndexOf('=== SUMMARY ==='));
  return [...summary.matchAll(/^([✓✗]) ([\w.-]+): (\d+) passed, (\d+) failed/gm)].map((m) => ({
    name: m[2],
    passed: Number(m[3]),
    failed: Number(m[4]),
  }));
}

/** The scenarios a requirement set scores, as the suite lists them (null: it scores all it runs). */
async function scoredScenarios(cli, args) {
  const at = args.indexOf('--requirements');
  if (at < 0) return null;
  const listed = await run(node22(), [cli, 'list', '--server', '--requirements', args[at + 1]], { timeoutMs: 60_000 });
  assert.equal(listed.code, 0, listed.stderr);
  const section = listed.stdout.split('Server scenarios')[1]?.split(/\n\s*\n/)[0] ?? '';
  return new Set([...section.matchAll(/^\s+- ([\w.-]+)$/gm)].map((m) => m[1]));
}

/**
 * Checks the suite may skip, each for a reason this server cannot change: the list-changed
 * checks run only for a server that declares `listChanged` (its lists never change while a
 * deployment runs), and the suite skips tasks-status-notifications whatever the server does.
 */
const ALLOWED_SKIPS = [
  'sep-2575-server-sends-prompts-list-changed-on-subscription',
  'sep-2575-server-sends-tools-list-changed-on-subscription',
  'tasks-status-notifications',
];

/**
 * Every check the run wrote (`<out>/<scenario dir>/checks.json`): counts by status, the
 * skipped ids, and each id's statuses.
 */
function checkCounts(out) {
  const counts = {};
  const skipped = [];
  const statuses = {};
  for (const dir of fs.readdirSync(out)) {
    const file = path.join(out, dir, 'checks.json');
    if (!fs.existsSync(file)) continue;
    for (const check of JSON.parse(fs.readFileSync(file, 'utf8'))) {
      counts[check.status] = (counts[check.status] ?? 0) + 1;
      if (check.status === 'SKIPPED') skipped.push(check.id);
      (statuses[check.id] ??= []).push(check.status);
    }
  }
  return { counts, skipped, statuses };
}

for (const suite of RUNS) {
  test(`conformance ${suite.name}`, { timeout: 600_000 }, async (t) => {
    const out = tempDir('mcpw-conformance-');
    const cli = path.join(REPO_ROOT, 'node_modules', suite.pkg, 'dist', 'index.js');
    const result = await run(
      node22(),
      [cli, 'server', '--url', worker.mcpUrl, '--expected-failures', BASELINE, '-o', out, ...suite.args],
      { cwd: out, timeoutMs: 540_000 },
    );
    const output = result.stdout + result.stderr;
    fs.writeFileSync(path.join(out, 'console.log'), output);
    const scenarios = parseSummary(output);
    // A run of one scenario prints no summary, only its totals.
    const totals = suite.args.includes('--scenario') && output.match(/Passed: (\d+)\/\d+, (\d+) failed/);
    if (totals && scenarios.length === 0) {
      scenarios.push({ name: suite.args[suite.args.indexOf('--scenario') + 1], passed: Number(totals[1]), failed: Number(totals[2]) });
    }
    const scored = await scoredScenarios(cli, suite.args);
    const expected = suite.scenarios ?? 30;
    assert.ok(scenarios.length >= expected, `expected ${expected === 30 ? 'the full scenario list' : `${expected} scenarios`}, got ${scenarios.length}:\n${output.slice(-3000)}`);
    const requirements = suite.args[suite.args.indexOf('--requirements') + 1];
    const mustPass = MUST_PASS[requirements] ?? [];
    const ran = new Set(scenarios.map((s) => s.name));
    const unscored = scenarios.filter((s) => scored && !scored.has(s.name)).map((s) => s.name);
    await t.test('every unscored scenario is on the must-pass list, and every listed one ran', () => {
      assert.deepEqual(unscored.filter((n) => !mustPass.includes(n)), [], 'an unscored scenario not in MUST_PASS');
      assert.deepEqual(mustPass.filter((n) => !ran.has(n)), [], 'a MUST_PASS scenario that did not run');
    });
    for (const s of scenarios) {
      const label = mustPass.includes(s.name) ? `${s.name} (unscored, must pass)` : s.name;
      await t.test(label, () => {
        assert.equal(s.failed, 0, `${s.name}: ${s.failed} failed checks; details in ${out}`);
      });
    }
    const { counts, skipped, statuses } = checkCounts(out);
    const failed = scenarios.filter((s) => s.failed > 0).length;
    console.log(`conformance ${suite.name}: ${scenarios.length} scenarios (${unscored.length} unscored), ` +
      `${scenarios.length - failed} passed, ${failed} failed; checks: ` +
      Object.entries(counts).sort().map(([k, v]) => `${v} ${k}`).join(', '));
    assert.deepEqual(skipped.filter((id) => !ALLOWED_SKIPS.includes(id)), [], `skipped checks; details in ${out}`);
    for (const id of suite.mustSucceed) {
      assert.deepEqual(statuses[id], ['SUCCESS'], `${id} must succeed; details in ${out}`);
    }
    assert.equal(counts.FAILURE ?? 0, 0, `failed checks; details in ${out}`);
    assert.equal(counts.WARNING ?? 0, 0, `warnings (scored or not); details in ${out}`);
    assert.equal(result.code, 0, `the suite exited ${result.code} (failures or warnings in scored scenarios):\n${output.slice(-3000)}`);
    fs.rmSync(out, { recursive: true, force: true });
  });
}
