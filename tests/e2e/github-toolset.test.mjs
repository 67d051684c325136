// The GitHub toolset end to end: every tool called through the TypeScript SDK client over
// Streamable HTTP against the fake GitHub, its structuredContent validated with ajv against
// the tool's own outputSchema, its text block rendering the same fields, plus one error case
// each; the ETag cache (a second identical call is a 304 upstream), pagination, progress,
// binary files, resources, prompts, completions, the 2026-07-28 resource-not-found code and
// MCP_TOOLSETS groups.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import AjvModule from 'ajv';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  startFakeGitHub, startWorker, workerVars, withTimeout, resultText, mcpPost, rpc, sleep, requestLines, githubProxy, rawSession,
} from './harness.mjs';
import { FILE_MARKER, DIFF_MARKER, PNG_BASE64 } from '../fake-github/server.mjs';

const Ajv = AjvModule.default ?? AjvModule;
const ajv = new Ajv({ strict: false, allErrors: true });
const STEP_MS = 30_000;
const show = (x) => JSON.stringify(x).slice(0, 800);
const REPO = { owner: 'octocat', repo: 'Hello-World' };

async function connect(url) {
  const client = new Client({ name: 'mcpw-e2e-toolset', version: '0.0.0' });
  await withTimeout(client.connect(new StreamableHTTPClientTransport(new URL(url))), STEP_MS, 'connect');
  return client;
}

describe('GitHub toolset through the TypeScript SDK (AUTH_MODE=none, GITHUB_TOKEN set)', () => {
  let gh, worker, client, tools;
  const upstream = (re) => gh.requests.filter((r) => re.test(r.path));

  /** Calls a tool, expects success, validates structuredContent against its outputSchema. */
  async function ok(name, args, options) {
    const r = await withTimeout(client.callTool({ name, arguments: args }, undefined, options), STEP_MS, name);
    assert.ok(!r.isError, `${name}: ${show(r)}`);
    const tool = tools.find((t) => t.name === name);
    const validate = ajv.compile(tool.outputSchema);
    assert.ok(validate(r.structuredContent), `${name} output vs its schema: ${ajv.errorsText(validate.errors)}\n${show(r.structuredContent)}`);
    // The text block renders the same values concisely (one `key: value` line per field,
    // null and empty fields left out): every other top-level field has its line.
    const text = r.content[0].text;
    const lines = text.split('\n');
    for (const [key, value] of Object.entries(r.structuredContent)) {
      if (value === null || (Array.isArray(value) && value.length === 0)) continue;
      const has = lines.some((l) => l.startsWith(`${key}:`) || l.startsWith(`${key} (`));
      assert.ok(has, `${name}: the text block has ${key}\n${text.slice(0, 400)}`);
    }
    return r.structuredContent;
  }

  /** Calls a tool, expects an isError result whose text matches `pattern`. */
  async function fails(name, args, pattern) {
    const r = await withTimeout(client.callTool({ name, arguments: args }), STEP_MS, name);
    assert.equal(r.isError, true, `${name} should fail: ${show(r)}`);
    assert.match(resultText(r), pattern);
    return resultText(r);
  }

  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'toolset', vars: workerVars(gh, { authMode: 'none' }) });
    client = await connect(worker.mcpUrl);
    ({ tools } = await client.listTools());
  });
  after(async () => {
    await client?.close();
    await worker?.stop();
    await gh?.close();
  });

  test('every tool is listed with a title, read-only/open-world annotations (nothing more) and an output schema', () => {
    const names = ['getGithubRepository', 'getGithubReadme', 'getGithubFileContents', 'listGithubDirectory',
      'listGithubCommits', 'getGithubCommit', 'listGithubBranches', 'listGithubTags', 'listGithubReleases',
      'getGithubLatestRelease', 'listGithubIssues', 'getGithubIssue', 'searchGithubIssues', 'listGithubPullRequests',
      'getGithubPullRequest', 'getGithubPullRequestDiff', 'searchGithubRepositories', 'searchGithubCode', 'getGithubUser', 'whoami'];
    assert.deepEqual(tools.map((t) => t.name).sort(), [...names].sort());
    for (const t of tools.filter((x) => x.name !== 'whoami')) {
      // 2025-11-25 has a top-level title; annotations.title is for older revisions only.
      assert.ok(t.title && !t.annotations?.title, `${t.name} title`);
      assert.equal(t.annotations.readOnlyHint, true, t.name);
      assert.equal(t.annotations.openWorldHint, true, t.name);
      assert.deepEqual(Object.keys(t.annotations).sort(), ['openWorldHint', 'readOnlyHint'], t.name);
      assert.equal(t.outputSchema?.type, 'object', t.name);
      assert.doesNotThrow(() => ajv.compile(t.outputSchema), t.name);
      for (const [arg, schema] of Object.entries(t.inputSchema.properties)) {
        // Names that say it all go without a description: tools/list is read on every turn.
        const selfExplained = ['sort', 'order', 'direction', 'state', 'owner', 'repo', 'perPage', 'number'];
        assert.ok(schema.description || selfExplained.includes(arg), `${t.name}.${arg} has a description`);
      }
    }
  });

  test('getGithubRepository: metadata, languages, topics, default branch; progress; not found', async () => {
    const progress = [];
    const sc = await ok('getGithubRepository', REPO, { onprogress: (p) => progress.push(p) });
    assert.equal(sc.fullName, 'octocat/Hello-World');
    assert.equal(sc.defaultBranch, 'master');
    assert.deepEqual(sc.topics, ['octocat', 'api']);
    assert.deepEqual(sc.languages, { Rust: 12345, JavaScript: 678 });
    assert.equal(sc.license, 'MIT');
    assert.ok(progress.length >= 2, `progress notifications: ${show(progress)}`);
    assert.equal(progress.at(-1).progress, progress.at(-1).total);
    await fails('getGithubRepository', { owner: 'octocat', repo: 'nope' }, /not found/i);
  });

  test('ETag cache: a second identical call is answered by a 304 from GitHub and the cached body', async () => {
    const first = await ok('listGithubBranches', REPO);
    const before = gh.counts.notModified;
    const second = await ok('listGithubBranches', REPO);
    assert.deepEqual(second, first);
    assert.equal(gh.counts.notModified, before + 1, 'one more 304 upstream');
    const last = upstream(/\/branches$/).at(-1);
    assert.match(last.headers['if-none-match'] ?? '', /^W\/"/, 'the conditional request carried the ETag');
    // wrangler dev writes the Worker's console to its log a little after the response.
    const logged = () => requestLines(worker).some((l) => l.tool === 'listGithubBranches' && l.githubCacheHits === 1);
    for (let i = 0; i < 50 && !logged(); i++) await sleep(100);
    assert.ok(logged(), "the hit shows in the request's log line (githubCacheHits)");
    assert.equal(first.items.length, 3);
    assert.deepEqual(first.items[0], { name: 'master', sha: first.items[0].sha, protected: true });
    const protectedOnly = await ok('listGithubBranches', { ...REPO, protected: true });
    assert.deepEqual(protectedOnly.items.map((b) => b.name), ['master']);
    await fails('listGithubBranches', { owner: 'limited', repo: 'repo' }, new RegExp(`rate limit.*${new Date(gh.rateReset * 1000).toISOString().slice(0, 16)}`, 'is'));
  });

  test('getGithubFileContents: text at a ref; binary as an embedded resource; bad path never sent', async () => {
    const sc = await ok('getGithubFileContents', { ...REPO, path: 'src/main.rs', ref: 'v1' });
    assert.ok(sc.text.includes(FILE_MARKER));
    assert.equal(sc.encoding, 'text');
    assert.equal(upstream(/\/contents\/src\/main\.rs$/).at(-1).query.ref, 'v1');
    const r = await client.callTool({ name: 'getGithubFileContents', arguments: { ...REPO, path: 'docs/logo.png' } });
    assert.ok(!r.isError, show(r));
    assert.equal(r.structuredContent.encoding, 'base64');
    assert.equal(r.structuredContent.text, null);
    const block = r.content.find((c) => c.type === 'resource');
    assert.deepEqual(block?.resource, {
      uri: 'github://octocat/Hello-World/contents/docs/logo.png',
      mimeType: 'image/png',
      blob: PNG_BASE64,
      _meta: { 'io.github.github-mcp-worker/untrusted': ['blob'] },
    });
    const bin = await client.callTool({ name: 'getGithubFileContents', arguments: { ...REPO, path: 'data/blob.bin' } });
    assert.equal(bin.content.find((c) => c.type === 'resource')?.resource.mimeType, 'application/octet-stream');
    const n = gh.requests.length;
    await fails('getGithubFileContents', { ...REPO, path: '../../etc/passwd' }, /path/);
    await fails('getGithubFileContents', { ...REPO, path: 'src' }, /not a file.*listGithubDirectory/);
    assert.equal(gh.requests.length, n + 1, 'the invalid path was not sent upstream');
  });

  test('listGithubDirectory: entries at a ref, paginated; a file is refused', async () => {
    const root = await ok('listGithubDirectory', { ...REPO, perPage: 3 });
    assert.deepEqual(root.items.map((e) => [e.name, e.type]), [['README.md', 'file'], ['src', 'dir'], ['docs', 'dir']]);
    assert.deepEqual([root.hasMore, root.nextPage], [true, 2]);
    const next = await ok('listGithubDirectory', { ...REPO, perPage: 3, page: 2 });
    assert.deepEqual([next.items.map((e) => e.name), next.hasMore, next.nextPage], [['data'], false, null]);
    const docs = await ok('listGithubDirectory', { ...REPO, path: 'docs', ref: 'feature/x' });
    assert.deepEqual(docs.items.map((e) => e.path), ['docs/logo.png', 'docs/guide.md']);
    await fails('listGithubDirectory', { ...REPO, path: 'README.md' }, /is a file/);
  });

  test('listGithubCommits: filters and the Link header; a bad timestamp is named', async () => {
    const sc = await ok('listGithubCommits', { ...REPO, perPage: 2, ref: 'feature/x', path: 'src/main.rs', author: 'octocat', since: '2024-01-01T00:00:00Z' });
    assert.equal(sc.items.length, 2);
    assert.deepEqual([sc.hasMore, sc.nextPage], [true, 2]);
    assert.match(sc.items[0].message, /^Commit number 1/);
    assert.deepEqual(upstream(/\/commits$/).at(-1).query, { sha: 'feature/x', path: 'src/main.rs', author: 'octocat', since: '2024-01-01T00:00:00Z', per_page: '2', page: '1' });
    const last = await ok('listGithubCommits', { ...REPO, perPage: 2, page: 3 });
    assert.deepEqual([last.items.length, last.hasMore, last.nextPage], [1, false, null]);
    await fails('listGithubCommits', { ...REPO, since: 'yesterday' }, /since/);
  });

  test('getGithubCommit: the diff summary; an invalid ref is named', async () => {
    const sc = await ok('getGithubCommit', { ...REPO, ref: 'master' });
    assert.deepEqual([sc.additions, sc.deletions, sc.changedFiles, sc.filesTruncated], [3, 1, 2, false]);
    assert.deepEqual(sc.files.map((f) => f.filename), ['README.md', 'src/new.rs']);
    await fails('getGithubCommit', { ...REPO, ref: 'a..b' }, /ref/);
    // A commit whose files with their patches are larger than one call reads (5 MB): its
    // first 20 files, and no count of them all.
    const big = await ok('getGithubCommit', { ...REPO, ref: 'big' });
    assert.deepEqual([big.files.length, big.changedFiles, big.filesTruncated], [20, null, true]);
    assert.deepEqual(upstream(/\/commits\/big$/).map((r) => r.query.per_page), [undefined, '20']);
    // Even its first 20 files too large: an error that does not name a perPage the tool lacks.
    await fails('getGithubCommit', { ...REPO, ref: 'huge' }, /even for its first 20 files: their patches are too long\. Read it on GitHub/);
  });

  test('listGithubTags; secondary rate limit', async () => {
    const sc = await ok('listGithubTags', REPO);
    assert.deepEqual(sc.items.map((t) => t.name), ['v1', 'v0.9']);
    await fails('listGithubTags', { owner: 'octocat', repo: 'secondary' }, /secondary rate limit/i);
  });

  test('listGithubReleases; a missing scope is named', async () => {
    const sc = await ok('listGithubReleases', REPO);
    assert.deepEqual(sc.items.map((r) => r.tagName), ['v3.0.0', 'v2.0.0', 'v1.0.0']);
    await fails('listGithubReleases', { owner: 'octocat', repo: 'scoped' }, /scope\(s\): repo/);
  });

  test('getGithubLatestRelease: notes and assets; not found', async () => {
    const sc = await ok('getGithubLatestRelease', REPO);
    assert.equal(sc.tagName, 'v2.0.0');
    assert.match(sc.body, /Changes in 2/);
    assert.equal(sc.assets[0].downloadCount, 42);
    await fails('getGithubLatestRelease', { owner: 'octocat', repo: 'nope' }, /not found/i);
  });

  test('listGithubIssues: filters; a bad state is named', async () => {
    const sc = await ok('listGithubIssues', { ...REPO, labels: 'bug,ui', sort: 'updated' });
    assert.deepEqual(sc.items.map((i) => [i.number, i.isPullRequest]), [[1, false], [2, false], [4, true]]);
    assert.deepEqual(sc.items[0].labels, ['bug', 'ui']);
    const q = upstream(/\/issues$/).at(-1).query;
    assert.deepEqual([q.state, q.labels, q.sort, q.direction], ['open', 'bug,ui', 'updated', 'desc']);
    const all = await ok('listGithubIssues', { ...REPO, state: 'all' });
    assert.equal(all.items.length, 4);
    await fails('listGithubIssues', { ...REPO, state: 'bogus' }, /state/);
  });

  test('getGithubIssue: the issue with its comments, paginated; number out of bounds', async () => {
    const sc = await ok('getGithubIssue', { ...REPO, number: 1, perPage: 2 });
    assert.equal(sc.title, 'Found a bug');
    assert.match(sc.body, /crashes/);
    assert.deepEqual(sc.commentList.items.map((c) => c.body), ['Comment 1', 'Comment 2']);
    assert.equal(sc.commentList.nextPage, 2);
    await fails('getGithubIssue', { ...REPO, number: 0 }, /number/);
    await fails('getGithubIssue', { ...REPO, number: 99 }, /not found/i);
  });

  test('searchGithubIssues: one encoded q; an over-long query is named', async () => {
    const query = 'is:issue label:"good first issue" repo:octocat/Hello-World';
    const sc = await ok('searchGithubIssues', { query, perPage: 2 });
    assert.equal(upstream(/^\/search\/issues$/).at(-1).query.q, query);
    assert.deepEqual([sc.totalCount, sc.items.length, sc.nextPage, sc.items[0].repository], [3, 2, 2, 'octocat/Hello-World']);
    await fails('searchGithubIssues', { query: 'x'.repeat(300) }, /query/);
  });

  test('listGithubPullRequests; an invalid owner is named', async () => {
    const sc = await ok('listGithubPullRequests', { ...REPO, base: 'master' });
    assert.deepEqual(sc.items.map((p) => [p.number, p.head, p.base, p.draft]), [[4, 'feature/x', 'master', false], [5, 'feature/x', 'master', true]]);
    await fails('listGithubPullRequests', { owner: 'bad--owner', repo: 'x' }, /owner/);
  });

  test('getGithubPullRequest: files and review state, with progress; not found', async () => {
    const progress = [];
    const sc = await ok('getGithubPullRequest', { ...REPO, number: 4 }, { onprogress: (p) => progress.push(p) });
    assert.deepEqual(sc.files.map((f) => f.filename), ['README.md', 'docs/guide.md']);
    assert.equal(sc.reviewDecision, 'approved');
    assert.deepEqual([sc.changedFiles, sc.mergeable, sc.merged], [2, true, false]);
    assert.equal(progress.at(-1)?.total, 3);
    await fails('getGithubPullRequest', { ...REPO, number: 99 }, /not found/i);
    // A page of 100 files with their patches larger than one call reads (4.6 MB): the first 20.
    const six = await ok('getGithubPullRequest', { ...REPO, number: 6 });
    assert.deepEqual([six.files.length, six.filesTruncated, six.changedFiles], [20, true, 2]);
  });

  test('getGithubPullRequestDiff: the diff media type; not found', async () => {
    const sc = await ok('getGithubPullRequestDiff', { ...REPO, number: 4 });
    assert.ok(sc.diff.includes(DIFF_MARKER));
    assert.equal(sc.truncated, false);
    assert.equal(upstream(/\/pulls\/4$/).at(-1).headers.accept, 'application/vnd.github.diff');
    await fails('getGithubPullRequestDiff', { ...REPO, number: 99 }, /not found/i);
  });

  test('searchGithubRepositories; a bad sort is named', async () => {
    const sc = await ok('searchGithubRepositories', { query: 'hello language:rust', sort: 'stars' });
    assert.deepEqual(sc.items.map((r) => r.fullName), ['octocat/Hello-World', 'octo-org/docs']);
    assert.equal(sc.items[1].description, null);
    assert.equal(upstream(/^\/search\/repositories$/).at(-1).query.sort, 'stars');
    await fails('searchGithubRepositories', { query: 'x', sort: 'bogus' }, /sort/);
  });

  test('searchGithubCode; an empty query is named', async () => {
    const sc = await ok('searchGithubCode', { query: 'println repo:octocat/Hello-World' });
    assert.deepEqual(sc.items.map((r) => [r.path, r.repository]), [['src/main.rs', 'octocat/Hello-World'], ['README.md', 'octocat/Hello-World']]);
    await fails('searchGithubCode', { query: '' }, /query/);
  });

  test('getGithubUser: a user and an organisation; an invalid login', async () => {
    assert.equal((await ok('getGithubUser', { username: 'octocat' })).type, 'User');
    const org = await ok('getGithubUser', { username: 'github' });
    assert.deepEqual([org.type, org.name], ['Organization', 'GitHub']);
    await fails('getGithubUser', { username: '-bad' }, /username/);
    await fails('getGithubUser', { username: 'ghost404' }, /not found/i);
  });

  test('getGithubReadme still validates against its outputSchema', async () => {
    const sc = await ok('getGithubReadme', { repositoryUrl: 'octocat/Hello-World' });
    assert.equal(sc.path, 'README.md');
  });

  test('resources: templates, README and file reads (text and blob), not found is -32002', async () => {
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), ['github://{owner}/{repo}/readme{?ref}', 'github://{owner}/{repo}/contents/{+path}{?ref}']);
    const readme = await client.readResource({ uri: 'github://octocat/Hello-World/readme' });
    assert.match(readme.contents[0].text, /FAKE-README-MARKER/);
    const file = await client.readResource({ uri: 'github://octocat/Hello-World/contents/src/main.rs' });
    assert.ok(file.contents[0].text.includes(FILE_MARKER));
    const logo = await client.readResource({ uri: 'github://octocat/Hello-World/contents/docs/logo.png' });
    assert.deepEqual([logo.contents[0].mimeType, logo.contents[0].blob], ['image/png', PNG_BASE64]);
    await assert.rejects(client.readResource({ uri: 'github://octocat/Hello-World/contents/missing.txt' }), (e) => e.code === -32002);
    await assert.rejects(client.readResource({ uri: 'github://octocat/Hello-World/contents/../x' }), (e) => e.code === -32602);
  });

  test('prompts: summarise, review, triage, with arguments', async () => {
    const { prompts } = await client.listPrompts();
    assert.deepEqual(prompts.map((p) => p.name).sort(), ['reviewPullRequest', 'summariseRepository', 'triageIssues']);
    const review = await client.getPrompt({ name: 'reviewPullRequest', arguments: { ...REPO, number: '4', focus: 'security' } });
    assert.match(review.messages[0].content.text, /pull request #4 in octocat\/Hello-World.*security/s);
    const triage = await client.getPrompt({ name: 'triageIssues', arguments: { ...REPO, label: 'bug' } });
    assert.match(triage.messages[0].content.text, /labelled 'bug'/);
    const summary = await client.getPrompt({ name: 'summariseRepository', arguments: REPO });
    assert.match(summary.messages[0].content.text, /getGithubRepository/);
    await assert.rejects(client.getPrompt({ name: 'reviewPullRequest', arguments: REPO }), (e) => e.code === -32602);
    await assert.rejects(client.getPrompt({ name: 'reviewPullRequest', arguments: { ...REPO, number: '4; rm' } }), (e) => e.code === -32602);
  });

  test('completion/complete: owner and repo from the user\'s repositories (GET /user/repos)', async () => {
    const owners = await client.complete({ ref: { type: 'ref/prompt', name: 'summariseRepository' }, argument: { name: 'owner', value: 'oc' } });
    assert.deepEqual(owners.completion.values, ['octocat', 'octo-org']);
    const repos = await client.complete({ ref: { type: 'ref/resource', uri: 'github://{owner}/{repo}/readme{?ref}' }, argument: { name: 'repo', value: 's' }, context: { arguments: { owner: 'octocat' } } });
    assert.deepEqual(repos.completion.values, ['Spoon-Knife']);
    assert.equal(upstream(/^\/user\/repos$/).at(-1).headers.authorization, `Bearer ${gh.token}`);
  });

  test('2026-07-28: a missing resource is -32602', async () => {
    const MODERN = '2026-07-28';
    const meta = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '0' } };
    const r = await mcpPost(worker.mcpUrl, rpc(1, 'resources/read', { _meta: meta, uri: 'github://octocat/Hello-World/contents/missing.txt' }),
      { 'mcp-protocol-version': MODERN, 'mcp-method': 'resources/read', 'mcp-name': 'github://octocat/Hello-World/contents/missing.txt' });
    assert.equal(r.json?.error?.code, -32602, r.text.slice(0, 300));
  });
});

describe('MCP_TOOLSETS=issues,users switches the other groups off', () => {
  let gh, worker, client;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'toolset-groups', vars: workerVars(gh, { authMode: 'none', toolsets: 'issues,users' }) });
    client = await connect(worker.mcpUrl);
  });
  after(async () => {
    await client?.close();
    await worker?.stop();
    await gh?.close();
  });

  test('only the issue and user tools, the triage prompt, and no resources', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['getGithubIssue', 'getGithubUser', 'listGithubIssues', 'searchGithubIssues', 'whoami']);
    const { prompts } = await client.listPrompts();
    assert.deepEqual(prompts.map((p) => p.name), ['triageIssues']);
    assert.equal(client.getServerCapabilities().resources, undefined);
  });
});

// GitHub answers for a renamed or transferred repository with a redirect to its new name on its
// own host, which is followed. A redirect to another host is not (hostile review: its answer was
// shown as GitHub's): only the configured GitHub answers.
describe('redirects from GitHub', () => {
  let gh, elsewhere, proxy, worker;
  const seenElsewhere = [];
  before(async () => {
    gh = await startFakeGitHub();
    elsewhere = await githubProxy(gh, ({ req, res }) => {
      seenElsewhere.push(req.url);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ login: 'not-github', id: 1 }));
    });
    proxy = await githubProxy(gh, ({ res, url, forward }) => {
      const old = /^\/repos\/octocat\/Old-Name(\/.*)?$/.exec(url.pathname);
      if (old) {
        res.writeHead(301, { location: `${proxy.url}/repos/octocat/Hello-World${old[1] ?? ''}${url.search}` });
        return res.end();
      }
      if (url.pathname === '/users/moved-away') {
        res.writeHead(302, { location: `${elsewhere.url}/users/octocat` });
        return res.end();
      }
      forward();
    });
    worker = await startWorker({ name: 'redirects', vars: workerVars(proxy) });
  });
  after(async () => {
    await worker?.stop();
    await proxy?.close();
    await elsewhere?.close();
    await gh?.close();
  });

  test('on GitHub\'s host they are followed; to another host they are not', async () => {
    const s = await rawSession(worker.mcpUrl);
    const renamed = await s.call('getGithubRepository', { owner: 'octocat', repo: 'Old-Name' });
    assert.notEqual(renamed.isError, true, JSON.stringify(renamed).slice(0, 300));
    assert.equal(renamed.structuredContent.fullName, 'octocat/Hello-World');
    const away = await s.call('getGithubUser', { username: 'moved-away' });
    assert.equal(away.isError, true, JSON.stringify(away).slice(0, 300));
    assert.match(away.content[0].text, /only the configured GitHub is read/);
    assert.deepEqual(seenElsewhere, [], 'nothing was sent to the other host');
  });
});
