// mcp-remote (the stdio proxy Claude Desktop & co. run) against the worker, driven over stdin/stdout
// exactly as a desktop client does: initialize, notifications/initialized, tools/list, tools/call.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startFakeGitHub, startWorker, workerVars, createToken, tempDir, stdioClient, resultText, readmeRequests,
  REPO_ROOT, LOG_DIR, HELLO_MARKER,
  oauthVars, recordSecret,
} from './harness.mjs';

const PROXY = path.join(REPO_ROOT, 'node_modules', 'mcp-remote', 'dist', 'proxy.js');
const FAKE_BROWSER = path.join(REPO_ROOT, 'tests', 'e2e', 'fake-browser.mjs');
const STEP_MS = 45_000;

async function drive({ url, token, gh, extraArgs = [], label, env = {}, configDir = tempDir('mcpw-mcp-remote-') }) {
  const args = [PROXY, url, ...(token ? ['--header', `Authorization:Bearer ${token}`] : []), ...extraArgs];
  const c = stdioClient(process.execPath, args, {
    env: { MCP_REMOTE_CONFIG_DIR: configDir, BROWSER: '/bin/false', ...env },
    logFile: path.join(LOG_DIR, `client-mcp-remote-${label}-${Date.now()}.log`),
  });
  try {
    const init = await c.request(1, 'initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'claude-desktop-e2e', version: '0.0.0' },
    }, STEP_MS);
    assert.ok(init.result, `initialize result: ${JSON.stringify(init).slice(0, 400)}`);
    assert.ok(init.result.serverInfo?.name, 'serverInfo.name');
    c.notify('notifications/initialized');

    const tl = await c.request(2, 'tools/list', {}, STEP_MS);
    const names = (tl.result?.tools ?? []).map((x) => x.name);
    assert.ok(names.includes('getGithubReadme'), `tools/list: ${JSON.stringify(tl).slice(0, 400)}`);

    const n0 = readmeRequests(gh, 'octocat/Hello-World').length;
    const call = await c.request(3, 'tools/call', {
      name: 'getGithubReadme',
      arguments: { repositoryUrl: 'https://github.com/octocat/Hello-World' },
    }, STEP_MS);
    assert.ok(call.result && !call.result.isError, `tools/call: ${JSON.stringify(call).slice(0, 500)}`);
    assert.ok(resultText(call.result).includes(HELLO_MARKER), 'README marker in text');
    const reqs = readmeRequests(gh, 'octocat/Hello-World');
    assert.equal(reqs.length, n0 + 1);
    assert.equal(reqs.at(-1).headers.authorization, `Bearer ${gh.token}`);

    const err = await c.request(4, 'tools/call', {
      name: 'getGithubReadme',
      arguments: { repositoryUrl: 'octocat/does-not-exist' },
    }, STEP_MS);
    assert.equal(err.result?.isError, true, `missing repo: ${JSON.stringify(err).slice(0, 400)}`);
    assert.match(resultText(err.result), /not found/i);
    return c.stderr;
  } finally {
    await c.close();
  }
}

describe('mcp-remote (stdio proxy), AUTH_MODE=bearer', () => {
  let gh, worker, token;
  before(async () => {
    gh = await startFakeGitHub();
    const persistDir = tempDir('mcpw-persist-remote-');
    token = (await createToken('e2e-mcp-remote', persistDir)).token;
    worker = await startWorker({ name: 'mcp-remote', persistDir, vars: workerVars(gh, { authMode: 'bearer' }) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('http-first against /mcp (Streamable HTTP)', async () => {
    await drive({ url: worker.mcpUrl, token, gh, label: 'mcp' });
  });

  test('http-first against /sse: POST /sse is refused, falls back to SSE', async () => {
    const posts405 = () => (fs.readFileSync(worker.logFile, 'utf8').match(/POST \/sse 405/g) ?? []).length;
    const n0 = posts405();
    await drive({ url: worker.sseUrl, token, gh, label: 'sse' });
    // The fallback must actually have happened: mcp-remote POSTed to /sse first (wrangler logs it)...
    assert.ok(posts405() > n0, `expected "POST /sse 405" in ${worker.logFile}`);
    // ...and POST /sse is answered 405 by the worker.
    const r = await fetch(worker.sseUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '0' } } }),
      signal: AbortSignal.timeout(10_000),
    });
    await r.text();
    assert.equal(r.status, 405, 'POST /sse -> 405');
  });

  test('sse-only against /sse', async () => {
    await drive({ url: worker.sseUrl, token, gh, label: 'sse-only', extraArgs: ['--transport', 'sse-only'] });
  });
});

describe('mcp-remote (stdio proxy), AUTH_MODE=oauth: sign-in through the browser', () => {
  let gh, worker;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'mcp-remote-oauth', vars: oauthVars(gh) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  for (const [label, pick] of [['mcp', (w) => w.mcpUrl], ['sse', (w) => w.sseUrl]]) {
    test(`registers, signs in through the consent page, and calls tools on /${label}; the next day it refreshes`, async () => {
      const browserLog = path.join(LOG_DIR, `fake-browser-${label}-${Date.now()}.log`);
      const configDir = tempDir('mcpw-mcp-remote-');
      // BROWSER is what mcp-remote opens the authorization URL with, as on a desktop.
      await drive({ url: pick(worker), gh, label: `oauth-${label}`, configDir, env: { BROWSER: FAKE_BROWSER, FAKE_BROWSER_LOG: browserLog } });
      const log = fs.readFileSync(browserLog, 'utf8');
      assert.match(log, /callback answered 200/, log);

      // Claude Desktop starts mcp-remote again after the access token's hour: the cached
      // token is refused (401), mcp-remote refreshes it at /token and goes on, no browser.
      const [tokensFile] = fs.globSync('**/*_tokens.json', { cwd: configDir }).map((f) => path.join(configDir, f));
      assert.ok(tokensFile, `mcp-remote cached no tokens in ${configDir}`);
      const cached = JSON.parse(fs.readFileSync(tokensFile, 'utf8'));
      recordSecret(cached.access_token, 'mcp-remote access token');
      recordSecret(cached.refresh_token, 'mcp-remote refresh token');
      fs.writeFileSync(tokensFile, JSON.stringify({ ...cached, access_token: `${cached.access_token.slice(0, -4)}AAAA` }));
      const count = (re) => (fs.readFileSync(worker.logFile, 'utf8').match(re) ?? []).length;
      const [refreshes, authorizations] = [count(/POST \/token 200/g), count(/GET \/authorize/g)];
      await drive({ url: pick(worker), gh, label: `oauth-${label}-refresh`, configDir });
      assert.equal(count(/POST \/token 200/g), refreshes + 1, 'one refresh');
      assert.equal(count(/GET \/authorize/g), authorizations, 'no new sign-in');
      const renewed = JSON.parse(fs.readFileSync(tokensFile, 'utf8'));
      recordSecret(renewed.access_token, 'mcp-remote access token');
      recordSecret(renewed.refresh_token, 'mcp-remote refresh token');
      assert.notEqual(renewed.refresh_token, cached.refresh_token, 'the refresh token is rotated');
    });
  }
});
