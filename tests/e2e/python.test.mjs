// Python `mcp` client (tests/python/client.py, venv .tools/venv) against the worker:
// Streamable HTTP (/mcp) and HTTP+SSE (/sse), bearer token in a header.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startFakeGitHub, startWorker, workerVars, createToken, tempDir, run, readmeRequests, REPO_ROOT, HELLO_MARKER, oauthVars,
} from './harness.mjs';

const PY = process.env.MCPW_PYTHON ?? path.join(REPO_ROOT, '.tools', 'venv', 'bin', 'python');
const CLIENT = path.join(REPO_ROOT, 'tests', 'python', 'client.py');
const haveVenv = fs.existsSync(PY);

async function pyClient(url, transport, token, extraArgs = []) {
  const args = [CLIENT, url, transport, '--timeout', '30', ...extraArgs];
  if (token) args.push('--header', `Authorization: Bearer ${token}`);
  const r = await run(PY, args, { timeoutMs: 120_000 });
  let out;
  try {
    out = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    throw new Error(`client.py printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr.slice(-3000)}`);
  }
  assert.ok(out.ok, `client.py failed: ${JSON.stringify(out)}\nstderr: ${r.stderr.slice(-2000)}`);
  return out;
}

function check(out, gh, n0) {
  const tool = out.tools.find((t) => t.name === 'getGithubReadme');
  assert.ok(tool, `tools: ${out.tools.map((t) => t.name)}`);
  assert.equal(tool.inputSchema?.type, 'object');
  assert.equal(out.readme.isError, false, JSON.stringify(out.readme).slice(0, 400));
  assert.ok(out.readme.text.includes(HELLO_MARKER), `README text: ${out.readme.text.slice(0, 300)}`);
  assert.equal(out.missing.isError, true, JSON.stringify(out.missing));
  assert.match(out.missing.text, /not found/i);
  const reqs = readmeRequests(gh, 'octocat/Hello-World');
  assert.equal(reqs.length, n0 + 1);
  assert.equal(reqs.at(-1).headers.authorization, `Bearer ${gh.token}`);
}

describe('Python mcp client, AUTH_MODE=bearer', { skip: haveVenv ? false : `no venv at ${PY} (python3 -m venv .tools/venv && .tools/venv/bin/pip install -r tests/python/requirements.txt)` }, () => {
  let gh, worker, token;
  before(async () => {
    gh = await startFakeGitHub();
    const persistDir = tempDir('mcpw-persist-py-');
    token = (await createToken('e2e-python', persistDir)).token;
    worker = await startWorker({ name: 'python', persistDir, vars: workerVars(gh, { authMode: 'bearer' }) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('Streamable HTTP /mcp', async () => {
    const n0 = readmeRequests(gh, 'octocat/Hello-World').length;
    check(await pyClient(worker.mcpUrl, 'http', token), gh, n0);
  });

  test('HTTP+SSE /sse', async () => {
    const n0 = readmeRequests(gh, 'octocat/Hello-World').length;
    check(await pyClient(worker.sseUrl, 'sse', token), gh, n0);
  });

  test('without the bearer token the client fails to connect (both transports)', async () => {
    for (const [url, transport] of [[worker.mcpUrl, 'http'], [worker.sseUrl, 'sse']]) {
      const r = await run(PY, [CLIENT, url, transport, '--timeout', '15'], { timeoutMs: 60_000 });
      const out = JSON.parse(r.stdout.trim().split('\n').pop());
      assert.equal(out.ok, false, `${transport}: ${JSON.stringify(out).slice(0, 300)}`);
      assert.notEqual(out.type, 'TimeoutError', `${transport}: failed fast, not by timeout`);
      // mcp 2.3.0's streamable HTTP client turns an HTTP 401 into a generic JSON-RPC error
      // ("Server returned an error response"); its SSE client surfaces the HTTP status.
      if (transport === 'sse') assert.match(out.error, /401/);
    }
  });
});

describe('Python mcp client, AUTH_MODE=oauth: signs in through the consent page', { skip: haveVenv ? false : `no venv at ${PY}` }, () => {
  let gh, worker;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'python-oauth', vars: oauthVars(gh) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('Streamable HTTP /mcp with OAuthClientProvider', async () => {
    const n0 = readmeRequests(gh, 'octocat/Hello-World').length;
    check(await pyClient(worker.mcpUrl, 'http', undefined, ['--oauth']), gh, n0);
    assert.ok(gh.oauth.stats.exchanges >= 1, 'the sign-in went through GitHub');
  });
});
