// MCP Inspector's CLI (`npx @modelcontextprotocol/inspector --cli`, built on the TypeScript
// SDK's 2.x client) against the worker, run as the README's "Connecting" section tells a
// developer to run it: one command per MCP method, on /mcp (both protocol eras) and /sse,
// with a bearer header and with its own browser sign-in. Its `--strict` schema check is the
// portability report a client that maps tool schemas onto a model provider's dialect reads.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  startFakeGitHub, startWorker, workerVars, oauthVars, createToken, tempDir, run, node22, freePort,
  recordSecret, readmeRequests, resultText, REPO_ROOT, LOG_DIR, HELLO_MARKER,
} from './harness.mjs';

const CLI = path.join(REPO_ROOT, 'node_modules', '@modelcontextprotocol', 'inspector', 'clients', 'launcher', 'build', 'index.js');
const FAKE_BROWSER = path.join(REPO_ROOT, 'tests', 'e2e', 'fake-browser.mjs');
const README_ARGS = JSON.stringify({ repositoryUrl: 'https://github.com/octocat/Hello-World' });

/** A fresh place for the Inspector's catalog, settings and stored sign-ins (it writes there). */
function inspectorHome() {
  const dir = tempDir('mcpw-inspector-');
  return {
    MCP_STORAGE_DIR: path.join(dir, 'storage'),
    MCP_CATALOG_PATH: path.join(dir, 'catalog.json'),
    MCP_CLIENT_CONFIG_PATH: path.join(dir, 'client.json'),
    // No OS keychain here: stored sign-ins go to a file, so that a second run can use them.
    MCP_INSPECTOR_SECRET_STORE: 'file',
  };
}

/**
 * One Inspector CLI run. `json` is its one JSON object: the result on stdout, or the error
 * envelope, which it writes on stderr.
 */
async function inspector(args, env) {
  const r = await run(node22(), [CLI, '--cli', ...args, '--format', 'json'], { env, timeoutMs: 90_000 });
  let json;
  try {
    json = JSON.parse((r.stdout.trim() || r.stderr.trim()).split('\n').pop());
  } catch {
    throw new Error(`no JSON from the Inspector (exit ${r.code}): ${r.stdout.slice(0, 400)}\n${r.stderr.slice(-1500)}`);
  }
  return { ...r, json };
}

const whoami = (result) => result?.structuredContent ?? {};

/** The tokens an Inspector run stored after its sign-in, recorded for the log scan. */
function storedTokens(env) {
  const stored = JSON.parse(fs.readFileSync(path.join(env.MCP_STORAGE_DIR, 'secrets.json'), 'utf8'));
  const tokens = Object.values(stored.secrets).map((v) => JSON.parse(v)).find((v) => v.access_token);
  assert.ok(tokens, `no tokens stored: ${Object.keys(stored.secrets)}`);
  recordSecret(tokens.access_token, 'Inspector access token');
  recordSecret(tokens.refresh_token, 'Inspector refresh token');
  return tokens;
}

describe('MCP Inspector CLI, AUTH_MODE=bearer', () => {
  let gh, worker, auth, env;
  before(async () => {
    gh = await startFakeGitHub();
    const persistDir = tempDir('mcpw-persist-inspector-');
    const token = (await createToken('e2e-inspector', persistDir)).token;
    auth = ['--header', `Authorization: Bearer ${token}`];
    env = inspectorHome();
    worker = await startWorker({ name: 'inspector', persistDir, vars: workerVars(gh, { authMode: 'bearer' }) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('tools/list --strict: every input schema is portable; no schema has an error', async () => {
    const r = await inspector([worker.mcpUrl, ...auth, '--method', 'tools/list', '--strict'], env);
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr.slice(-1500)}`);
    const names = r.json.result.tools.map((t) => t.name);
    assert.ok(names.includes('getGithubReadme') && names.includes('whoami'), names.join(','));
    const summary = /(\d+) errors, (\d+) warnings across (\d+) tools/.exec(r.stderr);
    assert.ok(summary, `no portability summary: ${r.stderr.slice(-800)}`);
    assert.equal(Number(summary[1]), 0, 'error-severity portability problems');
    // The warnings are all nullable output fields (`["string","null"]`), which a model never
    // reads as a function declaration; what it is handed, the input schemas, has none.
    const paths = [...r.stderr.matchAll(/^ {2}Path: (\S+)/gm)].map((m) => m[1]);
    assert.equal(paths.length, Number(summary[2]));
    assert.deepEqual(paths.filter((p) => !p.startsWith('outputSchema.')), []);
  });

  // whoami reports the revision the session speaks: the Inspector's era flag reaches the
  // server. On /sse the client asks for its newest revision in `initialize`, over the
  // 2024-11-05 transport, and gets it; the transport is shown by the messages POSTed to
  // /sse/message.
  const sseMessages = (w) => (fs.readFileSync(w.logFile, 'utf8').match(/POST \/sse\/message/g) ?? []).length;
  for (const [label, url, era, revision] of [
    ['/mcp, legacy era', (w) => w.mcpUrl, 'legacy', '2025-11-25'],
    ['/mcp, modern era (server/discover, stateless)', (w) => w.mcpUrl, 'modern', '2026-07-28'],
    ['/mcp, auto era', (w) => w.mcpUrl, 'auto', '2026-07-28'],
    ['/sse (HTTP+SSE)', (w) => w.sseUrl, 'legacy', '2025-11-25'],
  ]) {
    test(`tools/call on ${label}: negotiates ${revision}, reads a README through the deployment's token`, async () => {
      const messages = sseMessages(worker);
      const me = await inspector([url(worker), ...auth, '--protocol-era', era, '--method', 'tools/call', '--tool-name', 'whoami'], env);
      assert.equal(me.code, 0, `exit ${me.code}: ${me.stderr.slice(-1500)}`);
      assert.equal(whoami(me.json.result).protocolVersion, revision);
      assert.equal(whoami(me.json.result).authMode, 'bearer');

      const n0 = readmeRequests(gh, 'octocat/Hello-World').length;
      const r = await inspector([url(worker), ...auth, '--protocol-era', era, '--method', 'tools/call', '--tool-name', 'getGithubReadme', '--tool-args-json', README_ARGS], env);
      assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr.slice(-1500)}`);
      assert.ok(resultText(r.json.result).includes(HELLO_MARKER), resultText(r.json.result).slice(0, 300));
      const reqs = readmeRequests(gh, 'octocat/Hello-World');
      assert.equal(reqs.length, n0 + 1);
      assert.equal(reqs.at(-1).headers.authorization, `Bearer ${gh.token}`);
      assert.equal(sseMessages(worker) > messages, label.startsWith('/sse'), 'messages POSTed to /sse/message');
    });
  }

  // `--tool-arg key=value`, as the README's example writes it.
  test('a failing tool call: isError with a message that says what to do, exit 5', async () => {
    const r = await inspector([worker.mcpUrl, ...auth, '--method', 'tools/call', '--tool-name', 'getGithubReadme', '--tool-arg', 'repositoryUrl=octocat/does-not-exist'], env);
    assert.equal(r.code, 5, `exit ${r.code}`);
    assert.equal(r.json.result.isError, true);
    assert.match(resultText(r.json.result), /not found\. Check the spelling/);
  });

  test('prompts and resource templates: listed, and read through the template', async () => {
    const prompts = await inspector([worker.mcpUrl, ...auth, '--method', 'prompts/list'], env);
    assert.equal(prompts.code, 0, prompts.stderr.slice(-800));
    assert.ok(prompts.json.result.prompts.some((p) => p.name === 'summariseRepository'));
    const got = await inspector([worker.mcpUrl, ...auth, '--method', 'prompts/get', '--prompt-name', 'summariseRepository', '--prompt-args', 'owner=octocat', 'repo=Hello-World'], env);
    assert.equal(got.code, 0, got.stderr.slice(-800));
    assert.match(JSON.stringify(got.json.result.messages), /octocat\/Hello-World/);

    const templates = await inspector([worker.mcpUrl, ...auth, '--method', 'resources/templates/list'], env);
    assert.equal(templates.code, 0, templates.stderr.slice(-800));
    assert.ok(templates.json.result.resourceTemplates.some((t) => t.uriTemplate === 'github://{owner}/{repo}/readme{?ref}'));
    const read = await inspector([worker.mcpUrl, ...auth, '--method', 'resources/read', '--uri', 'github://octocat/Hello-World/readme'], env);
    assert.equal(read.code, 0, read.stderr.slice(-800));
    assert.ok(read.json.result.contents[0].text.includes(HELLO_MARKER));
  });

  test('a wrong token: the Inspector is told to sign in (401), and says so without a TTY', async () => {
    const r = await inspector([worker.mcpUrl, '--header', 'Authorization: Bearer mcpw_not-a-token', '--method', 'tools/list'], env);
    assert.equal(r.code, 3, `exit ${r.code}`);
    assert.equal(r.json.error?.code, 'auth_required', JSON.stringify(r.json));
  });
});

describe('MCP Inspector CLI, AUTH_MODE=oauth: its own sign-in through the browser', () => {
  let gh, worker;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'inspector-oauth', vars: oauthVars(gh) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  // A client that names itself by a Client ID Metadata Document URL registers nothing: the
  // server fetches the document (CIMD_ALLOW_LOOPBACK lets it reach this loopback one).
  test('with --client-metadata-url: the document is its client id, and nothing is registered', async () => {
    const callback = `http://127.0.0.1:${await freePort()}/oauth/callback`;
    let fetched = 0;
    const docs = http.createServer((req, res) => {
      fetched += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ client_id: docUrl, client_name: 'Inspector by its metadata document', redirect_uris: [callback], token_endpoint_auth_method: 'none' }));
    });
    await new Promise((resolve) => docs.listen(0, '127.0.0.1', resolve));
    const docUrl = `http://127.0.0.1:${docs.address().port}/inspector-client.json`;
    try {
      const env = inspectorHome();
      const browserLog = path.join(LOG_DIR, `fake-browser-inspector-cimd-${Date.now()}.log`);
      const registered = (fs.readFileSync(worker.logFile, 'utf8').match(/POST \/register/g) ?? []).length;
      const r = await inspector(
        [worker.mcpUrl, '--client-metadata-url', docUrl, '--callback-url', callback, '--method', 'tools/call', '--tool-name', 'whoami'],
        { ...env, MCP_AUTO_OPEN_ENABLED: 'true', BROWSER: FAKE_BROWSER, FAKE_BROWSER_LOG: browserLog },
      );
      assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr.slice(-1500)}`);
      assert.equal(whoami(r.json.result).name, 'octocat');
      assert.match(storedTokens(env).access_token, /^mcpat_/);
      const opened = /open (\S+)/.exec(fs.readFileSync(browserLog, 'utf8'));
      assert.equal(new URL(opened[1]).searchParams.get('client_id'), docUrl);
      assert.ok(fetched >= 1, 'the server fetched the document');
      assert.equal((fs.readFileSync(worker.logFile, 'utf8').match(/POST \/register/g) ?? []).length, registered);
    } finally {
      await new Promise((resolve) => docs.close(resolve));
    }
  });

  for (const [label, pick, revision] of [['/mcp', (w) => w.mcpUrl, '2025-11-25'], ['/sse', (w) => w.sseUrl, '2025-11-25']]) {
    test(`on ${label}: registers, signs in through the consent page, then runs on the stored sign-in and refreshes it`, async () => {
      const env = inspectorHome();
      const browserLog = path.join(LOG_DIR, `fake-browser-inspector-${label.slice(1)}-${Date.now()}.log`);
      // The Inspector opens the authorization URL with $BROWSER (npm `open`) when told it may.
      const first = await inspector(
        [pick(worker), '--callback-url', `http://127.0.0.1:${await freePort()}/oauth/callback`, '--method', 'tools/call', '--tool-name', 'whoami'],
        { ...env, MCP_AUTO_OPEN_ENABLED: 'true', BROWSER: FAKE_BROWSER, FAKE_BROWSER_LOG: browserLog },
      );
      assert.equal(first.code, 0, `exit ${first.code}: ${first.stderr.slice(-1500)}`);
      assert.match(fs.readFileSync(browserLog, 'utf8'), /callback answered 200/);
      assert.match(first.stderr, /Authorization complete/);
      assert.deepEqual(
        { authMode: whoami(first.json.result).authMode, name: whoami(first.json.result).name, protocolVersion: whoami(first.json.result).protocolVersion },
        { authMode: 'oauth', name: 'octocat', protocolVersion: revision },
      );

      // What it stored is ours: an access and a refresh token.
      const tokens = storedTokens(env);
      assert.match(tokens.access_token, /^mcpat_/);
      assert.match(tokens.refresh_token, /^mcprt_/);
      assert.equal(tokens.issuer, worker.url);

      // The second run signs in with nothing but what it stored: no browser, no registration.
      const registrations = () => (fs.readFileSync(worker.logFile, 'utf8').match(/POST \/register 201/g) ?? []).length;
      const before = registrations();
      const n0 = readmeRequests(gh, 'octocat/Hello-World').length;
      const second = await inspector(
        [pick(worker), '--stored-auth-only', '--method', 'tools/call', '--tool-name', 'getGithubReadme', '--tool-args-json', README_ARGS],
        { ...env, BROWSER: '/bin/false' },
      );
      assert.equal(second.code, 0, `exit ${second.code}: ${second.stderr.slice(-1500)}`);
      assert.ok(resultText(second.json.result).includes(HELLO_MARKER));
      assert.equal(registrations(), before);
      // The deployment has no GITHUB_TOKEN here: the README is read with the GitHub token
      // octocat's sign-in got from the fake GitHub.
      assert.equal(worker.vars.GITHUB_TOKEN, undefined);
      const reqs = readmeRequests(gh, 'octocat/Hello-World');
      assert.equal(reqs.length, n0 + 1);
      assert.equal(reqs.at(-1).headers.authorization, `Bearer ${gh.token}`);

      // An access token the server no longer takes (as after its hour): the 401 sends the
      // Inspector to /token with its refresh token, and the call goes through without a browser.
      const secretsFile = path.join(env.MCP_STORAGE_DIR, 'secrets.json');
      const store = JSON.parse(fs.readFileSync(secretsFile, 'utf8'));
      for (const [key, value] of Object.entries(store.secrets)) {
        const t = JSON.parse(value);
        if (t.access_token) store.secrets[key] = JSON.stringify({ ...t, access_token: `${t.access_token.slice(0, -4)}AAAA` });
      }
      fs.writeFileSync(secretsFile, JSON.stringify(store));
      const refreshes = () => (fs.readFileSync(worker.logFile, 'utf8').match(/POST \/token 200/g) ?? []).length;
      const refreshed = refreshes();
      const third = await inspector([pick(worker), '--stored-auth-only', '--method', 'tools/call', '--tool-name', 'whoami'], { ...env, BROWSER: '/bin/false' });
      assert.equal(third.code, 0, `exit ${third.code}: ${third.stderr.slice(-1500)}`);
      assert.equal(whoami(third.json.result).name, 'octocat');
      assert.equal(refreshes(), refreshed + 1);
      const renewed = storedTokens(env);
      assert.notEqual(renewed.access_token, tokens.access_token);
      assert.notEqual(renewed.refresh_token, tokens.refresh_token, 'the refresh token is rotated');
    });
  }
});
