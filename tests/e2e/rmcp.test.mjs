// The official Rust MCP SDK client (rmcp, tests/clients/rmcp-client) against the worker over
// Streamable HTTP: with a bearer token, with a full OAuth sign-in (rmcp does discovery,
// registration, PKCE, the code exchange and a refresh; the scripted browser does consent and the
// GitHub login), and with the 2026-07-28 lifecycle (server/discover, no session) as well as
// `initialize`. The client prints one JSON line of what it saw; the assertions are here.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  startFakeGitHub, startWorker, workerVars, oauthVars, createToken, tempDir, run, readmeRequests, recordSecret,
  REPO_ROOT, LOG_DIR, HELLO_MARKER, LATEST_LEGACY_PROTOCOL,
} from './harness.mjs';
import { signIn } from './browser.mjs';

const CRATE = path.join(REPO_ROOT, 'tests', 'clients', 'rmcp-client');
const BIN = path.join(CRATE, 'target', 'debug', 'rmcp-client');
const CLIENT_MS = 120_000;

/**
 * Runs the rmcp client to the end and returns its JSON line. With `oauth`, the client prints
 * {"authorizeUrl"} first: the scripted browser signs in and the callback URL goes back on stdin.
 */
function rmcpClient(url, args, { label, jar } = {}) {
  const logFile = path.join(LOG_DIR, `client-rmcp-${label}-${Date.now()}.log`);
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, [url, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines = [];
    let buf = '';
    let stderr = '';
    let signInResult;
    let signInError;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rmcp-client timed out after ${CLIENT_MS} ms (log ${logFile})\n${stderr.slice(-2000)}`));
    }, CLIENT_MS);
    child.stderr.on('data', (d) => {
      stderr += d;
      log.write(d);
    });
    child.stdout.on('data', (d) => {
      buf += d;
      for (let i; (i = buf.indexOf('\n')) >= 0;) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (!line) continue;
        lines.push(line);
        let m;
        try {
          m = JSON.parse(line);
        } catch {
          continue;
        }
        if (m.authorizeUrl) {
          log.write(`[authorize] ${m.authorizeUrl}\n`);
          signIn(m.authorizeUrl, { jar }).then((r) => {
            signInResult = r;
            log.write(`[callback] ${r.url}\n`);
            child.stdin.end(`${r.url}\n`);
          }, (e) => {
            signInError = e;
            log.write(`[sign-in failed] ${e.stack}\n`);
            child.stdin.end('\n');
          });
        } else {
          for (const [when, pair] of Object.entries(m.tokens ?? {})) {
            recordSecret(pair.accessToken, `rmcp ${when} access token`);
            recordSecret(pair.refreshToken, `rmcp ${when} refresh token`);
          }
          log.write(`[stdout] ${JSON.stringify({ ...m, tokens: m.tokens && '***' })}\n`);
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      log.end();
      let out;
      try {
        out = JSON.parse(lines.at(-1));
      } catch {
        return reject(new Error(`rmcp-client printed no JSON (exit ${code}, log ${logFile}):\n${lines.join('\n')}\n${stderr.slice(-2000)}`));
      }
      resolve({ code, out, signInResult, signInError, logFile });
    });
  });
}

/** What every successful run must show: tools listed, the README read, the missing repo refused. */
function checkRun({ code, out, signInError, logFile }, gh, n0, upstreamToken) {
  const shown = `${JSON.stringify({ ...out, tokens: undefined }).slice(0, 1500)}${signInError ? `\nsign-in: ${signInError.message}` : ''}`;
  assert.equal(code, 0, `rmcp-client failed (log ${logFile}): ${shown}`);
  assert.equal(out.ok, true, shown);
  assert.ok(out.serverName, 'serverInfo.name present');
  const tool = out.tools.find((t) => t.name === 'getGithubReadme');
  assert.ok(tool, `tools: ${out.tools.map((t) => t.name)}`);
  assert.equal(tool.inputSchema.type, 'object');
  assert.ok((tool.inputSchema.required ?? []).includes('repositoryUrl'), 'repositoryUrl is required');

  assert.equal(out.readme.isError, false, JSON.stringify(out.readme).slice(0, 400));
  assert.ok(out.readme.text.includes(HELLO_MARKER), `README text: ${out.readme.text.slice(0, 300)}`);
  const reqs = readmeRequests(gh, 'octocat/Hello-World');
  assert.equal(reqs.length, n0 + 1, 'exactly one upstream README request');
  assert.equal(reqs.at(-1).headers.authorization, `Bearer ${upstreamToken}`);

  assert.equal(out.missing.isError, true, JSON.stringify(out.missing));
  assert.match(out.missing.text, /not found/i);

  // The server advertises prompts and resources: rmcp lists (and parses) them too.
  assert.ok(out.capabilities.prompts && out.capabilities.resources, JSON.stringify(out.capabilities));
  assert.ok(out.prompts.includes('summariseRepository'), `prompts: ${out.prompts}`);
  assert.ok(Array.isArray(out.resources), 'resources/list answered');
}

describe('rmcp (Rust SDK) client', () => {
  before(async () => {
    // A fresh CI machine compiles rmcp and its dependencies from scratch (about 1 min on 2 cores).
    const r = await run('cargo', ['build', '--locked', '--quiet', '--manifest-path', path.join(CRATE, 'Cargo.toml')], { timeoutMs: 15 * 60_000 });
    assert.equal(r.code, 0, `cargo build of tests/clients/rmcp-client failed:\n${r.stderr.slice(-4000)}`);
  });

  describe('AUTH_MODE=bearer', () => {
    let gh, worker, token;
    before(async () => {
      gh = await startFakeGitHub();
      const persistDir = tempDir('mcpw-persist-rmcp-');
      token = (await createToken('e2e-rmcp', persistDir)).token;
      worker = await startWorker({ name: 'rmcp-bearer', persistDir, vars: workerVars(gh, { authMode: 'bearer' }) });
    });
    after(async () => {
      await worker?.stop();
      await gh?.close();
    });

    test('initialize handshake: tools/list, getGithubReadme, a missing repo', async () => {
      const n0 = readmeRequests(gh, 'octocat/Hello-World').length;
      const r = await rmcpClient(worker.mcpUrl, ['--bearer', token], { label: 'bearer-initialize' });
      checkRun(r, gh, n0, gh.token);
      // rmcp asks for 2026-07-28 in `initialize`; a server with a handshake answers its own newest.
      assert.equal(r.out.protocolVersion, LATEST_LEGACY_PROTOCOL);
    });

    test('2026-07-28: server/discover, then stateless calls', async () => {
      const n0 = readmeRequests(gh, 'octocat/Hello-World').length;
      const r = await rmcpClient(worker.mcpUrl, ['--bearer', token, '--lifecycle', 'discover'], { label: 'bearer-discover' });
      checkRun(r, gh, n0, gh.token);
      assert.equal(r.out.protocolVersion, '2026-07-28');
    });

    test('auto lifecycle (discover first, initialize as fallback) settles on 2026-07-28', async () => {
      const n0 = readmeRequests(gh, 'octocat/Hello-World').length;
      const r = await rmcpClient(worker.mcpUrl, ['--bearer', token, '--lifecycle', 'auto'], { label: 'bearer-auto' });
      checkRun(r, gh, n0, gh.token);
      assert.equal(r.out.protocolVersion, '2026-07-28');
    });

    test('without the token the client stops at 401 and calls nothing upstream', async () => {
      const n0 = gh.requests.length;
      const r = await rmcpClient(worker.mcpUrl, [], { label: 'bearer-missing' });
      assert.notEqual(r.code, 0);
      assert.equal(r.out.ok, false);
      assert.match(r.out.error, /auth|401/i, r.out.error);
      assert.equal(gh.requests.length, n0, 'no request reached GitHub');
    });
  });

  describe('AUTH_MODE=oauth: rmcp signs in (registration, consent, GitHub login, PKCE)', () => {
    let gh, worker;
    before(async () => {
      gh = await startFakeGitHub();
      worker = await startWorker({ name: 'rmcp-oauth', vars: oauthVars(gh) });
    });
    after(async () => {
      await worker?.stop();
      await gh?.close();
    });

    for (const lifecycle of ['initialize', 'discover']) {
      test(`sign-in, then tools over the ${lifecycle} lifecycle`, async () => {
        const n0 = readmeRequests(gh, 'octocat/Hello-World').length;
        const exchanges = gh.oauth.stats.exchanges;
        const r = await rmcpClient(worker.mcpUrl, ['--oauth', '--lifecycle', lifecycle], { label: `oauth-${lifecycle}` });
        assert.ok(r.signInResult, `the client asked for the browser (log ${r.logFile})`);
        assert.equal(r.signInResult.consentShown, true, 'a new client sees the consent page');
        const back = new URL(r.signInResult.url);
        assert.equal(back.origin + back.pathname, 'http://127.0.0.1:53684/callback', `sign-in ended at ${r.signInResult.url}`);
        assert.ok(back.searchParams.get('code') && back.searchParams.get('iss'), 'the callback has code and iss');
        assert.equal(gh.oauth.stats.exchanges, exchanges + 1, 'the sign-in went through GitHub');
        checkRun(r, gh, n0, gh.token);
        assert.equal(r.out.protocolVersion, lifecycle === 'discover' ? '2026-07-28' : LATEST_LEGACY_PROTOCOL);
        // rmcp got a token pair our server issued (not the user's GitHub token), refreshed it
        // (a new pair: refresh tokens rotate), and made the calls above with the new one.
        const { first, refreshed } = r.out.tokens;
        for (const pair of [first, refreshed]) {
          assert.ok(pair.accessToken && pair.refreshToken, 'an access and a refresh token');
          assert.notEqual(pair.accessToken, gh.token);
        }
        assert.notEqual(refreshed.accessToken, first.accessToken, 'refresh gave a new access token');
        assert.notEqual(refreshed.refreshToken, first.refreshToken, 'refresh tokens rotate');
      });
    }
  });
});
