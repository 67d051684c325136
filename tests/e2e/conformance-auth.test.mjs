// The official conformance suite's authorization-server scenarios (0.2.0-alpha.12):
// the metadata endpoint, and the whole authorization-code grant. The suite prints the
// authorization URL for a person to open; the scripted browser opens it, approves the
// consent page, and lands on the suite's own callback server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, freePort, node22, oauthVars, startFakeGitHub, startWorker, tempDir } from './harness.mjs';
import { signIn } from './browser.mjs';

let gh;
let worker;

before(async () => {
  gh = await startFakeGitHub();
  worker = await startWorker({ name: 'conformance-auth', vars: oauthVars(gh) });
});

after(async () => {
  await worker?.stop();
  await gh?.close();
});

test('conformance authorization scenarios (metadata endpoint, authorization-code grant)', { timeout: 120_000 }, async (t) => {
  const port = await freePort();
  const registration = await fetch(`${worker.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'conformance suite', redirect_uris: [`http://127.0.0.1:${port}/callback`], token_endpoint_auth_method: 'none' }),
  });
  const { client_id: clientId } = await registration.json();
  const cli = path.join(REPO_ROOT, 'node_modules', 'conformance-0.2', 'dist', 'index.js');
  const child = spawn(node22(), [cli, 'authorization', '--url', worker.url, '--client-id', clientId, '--resource', `${worker.url}/mcp`, '-p', String(port)], {
    cwd: tempDir('mcpw-conformance-auth-'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let browsed;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const onData = (chunk) => {
    output += chunk;
    const url = output.match(/^(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)$/m)?.[1];
    if (url && !browsed) {
      browsed = (async () => {
        const result = await signIn(url);
        // The last hop is the suite's callback server: open it, as a browser would.
        await fetch(result.url, { signal: AbortSignal.timeout(15_000) });
      })();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
  const code = await exited;
  clearTimeout(timer);
  assert.ok(browsed, `the suite printed no authorization URL:\n${output}`);
  await browsed;
  const scenarios = [...output.matchAll(/^([✓✗]) ([\w.-]+): (\d+) passed, (\d+) failed/gm)];
  assert.equal(scenarios.length, 2, output);
  for (const [, , name, passed, failed] of scenarios) {
    await t.test(name, () => assert.equal(Number(failed), 0, `${name}: ${passed} passed, ${failed} failed\n${output}`));
  }
  assert.doesNotMatch(output, /WARNING/, 'no warnings');
  assert.equal(code, 0, output);
});
