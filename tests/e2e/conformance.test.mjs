// The official MCP conformance suite (@modelcontextprotocol/conformance), all server
// scenarios, against the worker with the test-only `conformance` toolset:
//   - 0.1.16 (the latest 0.1.x): the 2025-11-25 scenarios on the session wire;
//   - 0.2.0-alpha.12 --requirements 2025-11-25 (stricter checks, wire-schema validation);
//   - 0.2.0-alpha.12 --requirements 2026-07-28: the stateless era.
// Each run uses tests/conformance/expected-failures.yml, which is empty: the suite then
// fails on any failure or warning in a scored scenario. Every scenario becomes a subtest;
// scenarios the suite itself does not score (extensions, pending: see `conformance list
// --server --requirements <rev>`) are reported as skipped, with their counts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, node22, run, startFakeGitHub, startWorker, tempDir, workerVars } from './harness.mjs';

const BASELINE = path.join(REPO_ROOT, 'tests/conformance/expected-failures.yml');
const RUNS = [
  { name: '0.1.16 (2025-11-25)', pkg: 'conformance-0.1', args: [] },
  { name: '0.2.0-alpha.12 --requirements 2025-11-25', pkg: 'conformance-0.2', args: ['--requirements', '2025-11-25'] },
  { name: '0.2.0-alpha.12 --requirements 2026-07-28', pkg: 'conformance-0.2', args: ['--requirements', '2026-07-28'] },
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
    const scored = await scoredScenarios(cli, suite.args);
    assert.ok(scenarios.length >= 30, `expected the full scenario list, got ${scenarios.length}:\n${output.slice(-3000)}`);
    for (const s of scenarios) {
      if (scored && !scored.has(s.name)) {
        await t.test(s.name, { skip: `not scored by the suite (${s.passed} passed, ${s.failed} failed)` }, () => {});
        continue;
      }
      await t.test(s.name, () => {
        assert.equal(s.failed, 0, `${s.name}: ${s.failed} failed checks; details in ${out}`);
      });
    }
    assert.equal(result.code, 0, `the suite exited ${result.code} (failures or warnings in scored scenarios):\n${output.slice(-3000)}`);
    fs.rmSync(out, { recursive: true, force: true });
  });
}
