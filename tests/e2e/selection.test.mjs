// Per-connection tool selection: a connection asks for less than MCP_TOOLSETS by URL
// (/mcp/x/issues,pulls, /sse/x/users) or by header (X-MCP-Toolsets, X-MCP-Tools), on /mcp in
// both eras and on /sse; a legacy session keeps what it opened with; unknown names are a 400
// naming the valid ones; CORS preflights allow the headers; and with OAuth, the discovery
// documents, 401 challenges and token audiences work on the narrowed URLs, through the
// TypeScript SDK's own sign-in.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { initializeRequest, mcpPost, oauthVars, rawSession, rpc, startFakeGitHub, startWorker, workerVars } from './harness.mjs';
import { MemoryProvider, connectWithSignIn } from './sdk-oauth.mjs';

const MODERN = '2026-07-28';
const meta = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 'mcpw-e2e-selection', version: '0' } };
const ISSUES_AND_PULLS = ['getGithubIssue', 'getGithubPullRequest', 'getGithubPullRequestDiff', 'listGithubIssues', 'listGithubPullRequests', 'searchGithubIssues', 'whoami'];

/** A stateless 2026-07-28 request. */
function modern(url, method, params = {}, headers = {}) {
  return mcpPost(url, rpc(1, method, { _meta: meta, ...params }), { 'mcp-protocol-version': MODERN, 'mcp-method': method, ...(params.name ? { 'mcp-name': params.name } : {}), ...headers });
}

const names = (tools) => tools.map((t) => t.name).sort();

async function listed(session) {
  const r = await session.request('tools/list');
  assert.equal(r.status, 200, r.text.slice(0, 300));
  return names(r.json.result.tools);
}

describe('selection without sign-in (AUTH_MODE=none)', () => {
  let gh, worker;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'selection', vars: workerVars(gh, { authMode: 'none' }) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('legacy /mcp/x/issues,pulls: only those tools and prompts, for the whole session', async () => {
    const session = await rawSession(`${worker.url}/mcp/x/issues,pulls`);
    const capabilities = session.initializeResult.capabilities;
    assert.ok(capabilities.prompts && !capabilities.resources, JSON.stringify(capabilities));
    assert.deepEqual(await listed(session), ISSUES_AND_PULLS);
    const prompts = await session.request('prompts/list');
    assert.deepEqual(prompts.json.result.prompts.map((p) => p.name).sort(), ['reviewPullRequest', 'triageIssues']);
    const readme = await session.request('tools/call', { name: 'getGithubReadme', arguments: { repositoryUrl: 'octocat/Hello-World' } });
    assert.equal(readme.json.error.code, -32602);
    assert.match(readme.json.error.message, /Unknown tool: 'getGithubReadme'/);
    assert.ok((await session.call('getGithubIssue', { owner: 'octocat', repo: 'Hello-World', number: 1 })).structuredContent);
    // The session keeps what it opened with, whatever URL later requests use.
    const plain = await mcpPost(worker.mcpUrl, rpc(50, 'tools/list'), session.headers);
    assert.deepEqual(names(plain.json.result.tools), ISSUES_AND_PULLS);
    const resources = await session.request('resources/templates/list');
    assert.equal(resources.json.error.code, -32601, 'no resources without the repos toolset');
  });

  test('legacy headers: toolsets and tools add up; the URL narrows them', async () => {
    assert.deepEqual(await listed(await rawSession(worker.mcpUrl, { 'x-mcp-toolsets': 'users' })), ['getGithubUser', 'whoami']);
    const both = await rawSession(worker.mcpUrl, { 'x-mcp-toolsets': 'users', 'x-mcp-tools': 'getGithubReadme' });
    assert.deepEqual(await listed(both), ['getGithubReadme', 'getGithubUser', 'whoami']);
    assert.equal(both.initializeResult.capabilities.resources, undefined, 'a single tool brings no resources');
    const narrowed = await rawSession(`${worker.url}/mcp/x/issues`, { 'x-mcp-tools': 'getGithubIssue, getGithubReadme' });
    assert.deepEqual(await listed(narrowed), ['getGithubIssue']);
  });

  test('2026-07-28: per request, by URL or header; server/discover agrees', async () => {
    const byUrl = await modern(`${worker.url}/mcp/x/search`, 'tools/list');
    assert.deepEqual(names(byUrl.json.result.tools), ['searchGithubCode', 'searchGithubRepositories', 'whoami']);
    const byHeader = await modern(worker.mcpUrl, 'tools/list', {}, { 'x-mcp-tools': 'whoami' });
    assert.deepEqual(names(byHeader.json.result.tools), ['whoami']);
    const discover = await modern(`${worker.url}/mcp/x/users`, 'server/discover');
    const capabilities = discover.json.result.capabilities;
    assert.ok(!capabilities.prompts && !capabilities.resources, JSON.stringify(capabilities));
    const refused = await modern(`${worker.url}/mcp/x/users`, 'tools/call', { name: 'getGithubIssue', arguments: { owner: 'o', repo: 'r', number: 1 } });
    assert.equal(refused.json.error.code, -32602);
    const all = await modern(worker.mcpUrl, 'tools/list');
    assert.equal(all.json.result.tools.length, 20, 'the next request asks for nothing: everything');
    // The caching hint: the whole list is the same for everyone ("public"); a narrowed one
    // depends on what this request sent, which a cache keyed on method and params cannot see.
    assert.equal(all.json.result.cacheScope, 'public');
    assert.equal((await modern(worker.mcpUrl, 'server/discover')).json.result.cacheScope, 'public');
    assert.equal(byUrl.json.result.cacheScope, 'private');
    assert.equal(byHeader.json.result.cacheScope, 'private');
    assert.equal(discover.json.result.cacheScope, 'private');
    const prompts = await modern(worker.mcpUrl, 'prompts/list', {}, { 'x-mcp-toolsets': 'issues' });
    assert.equal(prompts.json.result.cacheScope, 'private', JSON.stringify(prompts.json).slice(0, 300));
  });

  test('/sse/x/users through the TypeScript SDK; /sse/x/issues/lockdown locks the session down', async () => {
    const client = new Client({ name: 'mcpw-e2e-selection', version: '0' });
    await client.connect(new SSEClientTransport(new URL(`${worker.url}/sse/x/users`)));
    assert.deepEqual(names((await client.listTools()).tools), ['getGithubUser', 'whoami']);
    await client.close();
    const locked = new Client({ name: 'mcpw-e2e-selection', version: '0' });
    await locked.connect(new SSEClientTransport(new URL(`${worker.url}/sse/x/issues/lockdown`)));
    const issues = await locked.callTool({ name: 'listGithubIssues', arguments: { owner: 'octocat', repo: 'injection-lab' } });
    assert.deepEqual(issues.structuredContent.items.map((i) => i.number), [2, 6]);
    await locked.close();
  });

  test('unknown names: 400 with a JSON-RPC error naming the valid ones', async () => {
    for (const [url, headers, pattern] of [
      [`${worker.url}/mcp/x/gitlab`, {}, /'gitlab', which is not a toolset; the toolsets are: github \(all of them\), repos, issues, pulls, search, users/],
      [worker.mcpUrl, { 'x-mcp-toolsets': 'issues,wiki' }, /X-MCP-Toolsets names 'wiki'/],
      [worker.mcpUrl, { 'x-mcp-tools': 'deleteRepository' }, /X-MCP-Tools names 'deleteRepository', which is not a tool here; the tools are: getGithubRepository, /],
      [`${worker.url}/mcp/x/search`, { 'x-mcp-tools': 'getGithubIssue' }, /nothing in common/],
    ]) {
      const r = await mcpPost(url, initializeRequest(), headers);
      assert.equal(r.status, 400, `${url} ${JSON.stringify(headers)}: ${r.text.slice(0, 200)}`);
      assert.equal(r.json.jsonrpc, '2.0');
      assert.equal(r.json.error.code, -32600);
      assert.match(r.json.error.message, pattern);
    }
    const sse = await fetch(`${worker.url}/sse/x/nope`, { headers: { accept: 'text/event-stream' } });
    assert.equal(sse.status, 400);
    for (const path of ['/mcp/x/', '/mcp/x/a..b', '/mcp/x/issues//', '/mcp/y/issues']) {
      const r = await mcpPost(`${worker.url}${path}`, initializeRequest());
      assert.equal(r.status, 404, `${path}: ${r.text.slice(0, 200)}`);
    }
    // One trailing slash, as people paste URLs, is the same narrowed endpoint.
    const names = async (url) => ((await (await rawSession(url)).request('tools/list')).json.result.tools.map((t) => t.name));
    const narrowed = await names(`${worker.url}/mcp/x/issues`);
    assert.deepEqual(await names(`${worker.url}/mcp/x/issues/`), narrowed);
    assert.ok(narrowed.length > 0 && narrowed.length < (await names(worker.mcpUrl)).length, narrowed.join(','));
  });

  test('CORS preflights allow the selection and lockdown headers', async () => {
    const r = await fetch(`${worker.url}/mcp/x/issues`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-mcp-toolsets, x-mcp-tools, x-mcp-lockdown' },
    });
    assert.equal(r.status, 204);
    const allowed = r.headers.get('access-control-allow-headers');
    for (const h of ['X-MCP-Toolsets', 'X-MCP-Tools', 'X-MCP-Lockdown']) assert.ok(allowed.includes(h), allowed);
  });
});

describe('MCP_TOOLSETS stays the upper bound', () => {
  let gh, worker;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'selection-bound', vars: workerVars(gh, { authMode: 'none', toolsets: 'issues,users' }) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('a toolset the deployment does not offer is refused; "github" means what it offers', async () => {
    const r = await mcpPost(`${worker.url}/mcp/x/pulls`, initializeRequest());
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /'pulls', which this server does not offer; it offers: issues, users/);
    const all = await rawSession(`${worker.url}/mcp/x/github`);
    assert.deepEqual(await listed(all), ['getGithubIssue', 'getGithubUser', 'listGithubIssues', 'searchGithubIssues', 'whoami']);
  });
});

describe('selection with OAuth sign-in', () => {
  let gh, worker;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'selection-oauth', vars: oauthVars(gh) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('discovery and 401 challenges name the narrowed URL', async () => {
    for (const path of ['/mcp/x/issues,pulls', '/sse/x/users', '/mcp/lockdown']) {
      const meta = await (await fetch(`${worker.url}/.well-known/oauth-protected-resource${path}`)).json();
      assert.equal(meta.resource, `${worker.url}${path}`);
      const r = await mcpPost(`${worker.url}${path}`, initializeRequest());
      assert.equal(r.status, 401);
      assert.match(r.headers.get('www-authenticate'), new RegExp(`resource_metadata="${worker.url}/.well-known/oauth-protected-resource${path.replace(',', '\\,')}"`));
    }
    const bad = await fetch(`${worker.url}/.well-known/oauth-protected-resource/mcp/x/`);
    assert.equal(bad.status, 404);
  });

  test('the SDK signs in on /mcp/x/issues,pulls (a token for that resource) and sees only those tools', async () => {
    const provider = new MemoryProvider();
    const make = () => new StreamableHTTPClientTransport(new URL(`${worker.url}/mcp/x/issues,pulls`), { authProvider: provider });
    const { client } = await connectWithSignIn(make, provider);
    assert.equal(new URL(provider.authorizationUrl).searchParams.get('resource'), `${worker.url}/mcp/x/issues,pulls`);
    assert.deepEqual(names((await client.listTools()).tools), ISSUES_AND_PULLS);
    const issue = await client.callTool({ name: 'getGithubIssue', arguments: { owner: 'octocat', repo: 'Hello-World', number: 1 } });
    assert.equal(issue.structuredContent.number, 1);
    await client.close();
    // The token is for this server: it works on the full /mcp too.
    const full = await rawSession(worker.mcpUrl, { authorization: `Bearer ${provider.saved.tokens.access_token}` });
    assert.equal((await listed(full)).length, 20);
  });

  test('the SDK signs in on /sse/x/users', async () => {
    const provider = new MemoryProvider();
    const make = () => new SSEClientTransport(new URL(`${worker.url}/sse/x/users`), { authProvider: provider });
    const { client } = await connectWithSignIn(make, provider);
    assert.deepEqual(names((await client.listTools()).tools), ['getGithubUser', 'whoami']);
    await client.close();
  });
});
