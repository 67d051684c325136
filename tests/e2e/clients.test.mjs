// TypeScript SDK client (@modelcontextprotocol/sdk) against the worker, over Streamable HTTP (/mcp)
// and legacy HTTP+SSE (/sse), in AUTH_MODE=bearer (token from scripts/token) and AUTH_MODE=none.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import {
  startFakeGitHub, startWorker, workerVars, createToken, revokeToken, tempDir, withTimeout, resultText,
  readmeRequests, mcpPost, initializeRequest, HELLO_MARKER,
} from './harness.mjs';

const STEP_MS = 30_000;

async function connect(kind, url, headers) {
  const requestInit = headers ? { headers } : undefined;
  const transport = kind === 'sse'
    ? new SSEClientTransport(new URL(url), { requestInit })
    : new StreamableHTTPClientTransport(new URL(url), { requestInit });
  const client = new Client({ name: 'mcpw-e2e-sdk', version: '0.0.0' });
  await withTimeout(client.connect(transport), STEP_MS, `SDK connect (${kind}) to ${url}`);
  return { client, transport };
}

/** The common client scenario: list tools, read the README, one error path. */
async function exercise(t, { kind, url, headers, gh }) {
  const { client } = await connect(kind, url, headers);
  try {
    const info = client.getServerVersion();
    assert.ok(info?.name, 'serverInfo.name present');

    const { tools } = await withTimeout(client.listTools(), STEP_MS, 'tools/list');
    const readme = tools.find((x) => x.name === 'getGithubReadme');
    assert.ok(readme, `getGithubReadme listed (got ${tools.map((x) => x.name).join(', ')})`);
    assert.equal(readme.inputSchema?.type, 'object');
    assert.ok(readme.inputSchema.properties?.repositoryUrl, 'inputSchema has repositoryUrl');
    assert.ok((readme.inputSchema.required ?? []).includes('repositoryUrl'), 'repositoryUrl is required');

    const before = readmeRequests(gh, 'octocat/Hello-World').length;
    const r = await withTimeout(
      client.callTool({ name: 'getGithubReadme', arguments: { repositoryUrl: 'https://github.com/octocat/Hello-World' } }),
      STEP_MS, 'tools/call getGithubReadme');
    assert.ok(!r.isError, `call succeeded: ${JSON.stringify(r).slice(0, 500)}`);
    assert.ok(resultText(r).includes(HELLO_MARKER), `README text contains the marker; got ${resultText(r).slice(0, 300)}`);
    if (r.structuredContent) {
      assert.ok(String(r.structuredContent.text ?? '').includes(HELLO_MARKER), 'structuredContent.text has the README');
      assert.equal(r.structuredContent.path, 'README.md');
    }
    const reqs = readmeRequests(gh, 'octocat/Hello-World');
    assert.equal(reqs.length, before + 1, 'exactly one upstream README request');
    const h = reqs.at(-1).headers;
    assert.equal(h.authorization, `Bearer ${gh.token}`, 'upstream call carries GITHUB_TOKEN');
    assert.equal(h.accept, 'application/vnd.github+json');
    assert.equal(h['x-github-api-version'], '2022-11-28');
    assert.ok(h['user-agent'], 'upstream user-agent set');

    const e = await withTimeout(
      client.callTool({ name: 'getGithubReadme', arguments: { repositoryUrl: 'octocat/does-not-exist' } }),
      STEP_MS, 'tools/call getGithubReadme (missing repo)');
    assert.equal(e.isError, true, `missing repo -> isError: ${JSON.stringify(e).slice(0, 400)}`);
    assert.match(resultText(e), /not found/i);
  } finally {
    await client.close().catch(() => {});
  }
}

describe('TS SDK client, AUTH_MODE=bearer', () => {
  let gh, worker, token, persistDir;
  before(async () => {
    gh = await startFakeGitHub();
    persistDir = tempDir('mcpw-persist-sdk-');
    token = await createToken('e2e-sdk', persistDir);
    worker = await startWorker({ name: 'sdk-bearer', persistDir, vars: workerVars(gh, { authMode: 'bearer' }) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('Streamable HTTP /mcp: tools/list + getGithubReadme', async (t) => {
    await exercise(t, { kind: 'http', url: worker.mcpUrl, headers: { Authorization: `Bearer ${token.token}` }, gh });
  });

  test('HTTP+SSE /sse: tools/list + getGithubReadme', async (t) => {
    await exercise(t, { kind: 'sse', url: worker.sseUrl, headers: { Authorization: `Bearer ${token.token}` }, gh });
  });

  test('missing and unknown bearer tokens get 401 invalid_token', async () => {
    for (const headers of [{}, { authorization: 'Bearer mcpw_not-a-real-token' }]) {
      const r = await mcpPost(worker.mcpUrl, initializeRequest(), headers);
      assert.equal(r.status, 401, `POST /mcp with ${JSON.stringify(headers)} -> ${r.status} ${r.text.slice(0, 200)}`);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer\b/i, 'WWW-Authenticate: Bearer ...');
      if (headers.authorization) {
        assert.equal(r.json?.error, 'invalid_token', `body ${r.text.slice(0, 200)}`);
        assert.ok(r.json?.error_description, 'error_description present');
      }
    }
  });

  test('a revoked token stops working', async () => {
    const t2 = await createToken('e2e-sdk-revoke', persistDir);
    const ok = await mcpPost(worker.mcpUrl, initializeRequest(), { authorization: `Bearer ${t2.token}` });
    assert.equal(ok.status, 200, `fresh token accepted: ${ok.status} ${ok.text.slice(0, 200)}`);
    await revokeToken(t2.id, persistDir);
    const r = await mcpPost(worker.mcpUrl, initializeRequest(), { authorization: `Bearer ${t2.token}` });
    assert.equal(r.status, 401, `revoked token -> ${r.status} ${r.text.slice(0, 200)}`);
    assert.equal(r.json?.error, 'invalid_token');
  });
});

describe('TS SDK client, AUTH_MODE=none', () => {
  let gh, worker;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'sdk-none', vars: workerVars(gh, { authMode: 'none' }) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('Streamable HTTP /mcp without credentials', async (t) => {
    await exercise(t, { kind: 'http', url: worker.mcpUrl, gh });
  });

  test('HTTP+SSE /sse without credentials', async (t) => {
    await exercise(t, { kind: 'sse', url: worker.sseUrl, gh });
  });
});
