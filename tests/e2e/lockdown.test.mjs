// Lockdown end to end against the fake GitHub's injection lab (octocat/injection-lab, public):
// with LOCKDOWN=true, issues, pull requests, comments and reviews by people without push
// access are withheld with a note and a `_meta` count, while the owner, a maintainer with
// write access and a trusted bot are shown; a stranger's issue on a private repository is
// shown; permission lookups are made once per caller and bypass the ETag cache (no KV write).
// A connection switches lockdown on by header or URL, in both eras, and never off; without a
// token GitHub will not say who may push, and the note says so. A commit named by SHA is read
// only when it is on the default branch: GitHub answers for a fork's commits through the
// repository itself.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mcpPost, rawSession, rpc, startFakeGitHub, startWorker, workerVars } from './harness.mjs';
import { FORK_MARKER, LAB_FORK_SHA, LAB_MERGED_SHA } from '../fake-github/lab.mjs';

const LAB = { owner: 'octocat', repo: 'injection-lab' };
const P = 'io.github.github-mcp-worker/';
const MODERN = '2026-07-28';
const meta = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 'mcpw-e2e-lockdown', version: '0' } };

/** A stateless 2026-07-28 tools/call to `url` with extra `headers`. */
async function modernCall(url, name, args, headers = {}) {
  const r = await mcpPost(url, rpc(1, 'tools/call', { _meta: meta, name, arguments: args }),
    { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': name, ...headers });
  assert.equal(r.status, 200, r.text.slice(0, 300));
  return r.json.result;
}

const numbers = (result) => result.structuredContent.items.map((i) => i.number);

/** Every way a tool reads the lab at `ref`. */
const readsAt = (ref) => [
  ['getGithubFileContents', { ...LAB, path: 'src/evil.rs', ref }],
  ['listGithubDirectory', { ...LAB, path: '', ref }],
  ['getGithubReadme', { repositoryUrl: 'octocat/injection-lab', ref }],
  ['getGithubCommit', { ...LAB, ref }],
  ['listGithubCommits', { ...LAB, ref }],
];
const FORK_REFUSED = new RegExp(`^Lockdown is on: the commit '[\\w.-]*${LAB_FORK_SHA.slice(0, 7)}\\w*' is not on octocat/injection-lab's default branch`);
const note = (result) => result.content.slice(1).map((c) => c.text).join('\n');

describe('LOCKDOWN=true with a trusted bot', () => {
  let gh, worker, session;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'lockdown', vars: workerVars(gh, { authMode: 'none', extra: { LOCKDOWN: 'true', LOCKDOWN_TRUSTED_BOTS: 'dependabot[bot], renovate[bot]' } }) });
    session = await rawSession(worker.mcpUrl);
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('issue lists show only what people with push access (and the bot) wrote', async () => {
    const issues = await session.call('listGithubIssues', LAB);
    assert.deepEqual(numbers(issues), [2, 3, 6], 'maintainer (write), dependabot[bot] (trusted), octocat (owner)');
    assert.equal(issues._meta[`${P}withheld`], 3, 'a stranger twice, a triager with read access');
    assert.match(note(issues), /^Lockdown: 3 items were withheld from this result\. On a public repository/);
    const search = await session.call('searchGithubIssues', { query: 'repo:octocat/injection-lab' });
    assert.deepEqual(numbers(search), [2, 3, 6]);
    const pulls = await session.call('listGithubPullRequests', LAB);
    assert.deepEqual(pulls.structuredContent.items, []);
    assert.equal(pulls._meta[`${P}withheld`], 1);
  });

  test('a stranger\'s issue keeps its number and state but loses its text; comments are filtered', async () => {
    const r = await session.call('getGithubIssue', { ...LAB, number: 1 });
    const issue = r.structuredContent;
    assert.deepEqual([issue.number, issue.state, issue.author, issue.title, issue.body], [1, 'open', null, '', null]);
    assert.deepEqual(issue.commentList.items.map((c) => c.author), ['octocat', 'maintainer', 'dependabot[bot]']);
    assert.equal(r._meta[`${P}withheld`], 3, 'the issue, and the comments of a stranger and a contributor');
    const trusted = (await session.call('getGithubIssue', { ...LAB, number: 2 })).structuredContent;
    assert.equal(trusted.title, 'Issue 2 by maintainer');
    assert.match(trusted.body, /please fix the password check/);
  });

  test('a stranger\'s pull request: text, untrusted reviews and the diff are withheld', async () => {
    const r = await session.call('getGithubPullRequest', { ...LAB, number: 5 });
    assert.deepEqual([r.structuredContent.title, r.structuredContent.body, r.structuredContent.author], ['', null, null]);
    assert.deepEqual(r.structuredContent.reviews.map((x) => x.author), ['maintainer']);
    assert.equal(r.structuredContent.reviewDecision, 'changes_requested');
    assert.equal(r._meta[`${P}withheld`], 3);
    const diff = await session.call('getGithubPullRequestDiff', { ...LAB, number: 5 });
    assert.deepEqual([diff.structuredContent.diff, diff._meta[`${P}withheld`]], ['', 1]);
    assert.equal(gh.requests.filter((q) => q.path === '/repos/octocat/injection-lab/pulls/5' && q.headers.accept === 'application/vnd.github.diff').length, 0, 'the diff was never fetched');
    // The branch and file names are the stranger's words too, and the head commit holds
    // what the stranger wrote (hostile review): none of them is shown or read.
    assert.deepEqual([r.structuredContent.head, r.structuredContent.headSha, r.structuredContent.files], ['', '', []]);
    assert.equal(gh.requests.filter((q) => q.path === '/repos/octocat/injection-lab/pulls/5/files').length, 0, 'the files were never fetched');
    for (const [tool, args] of [
      ['getGithubCommit', { ...LAB, ref: 'refs/pull/5/head' }],
      ['getGithubFileContents', { ...LAB, path: 'README.md', ref: 'refs/pull/5/merge' }],
      ['listGithubCommits', { ...LAB, ref: 'pull/5/head' }],
    ]) {
      const refused = await session.call(tool, args);
      assert.equal(refused.isError, true, `${tool}: ${JSON.stringify(refused).slice(0, 300)}`);
      assert.match(refused.content[0].text, /Lockdown is on: a pull request's head or merge commit/);
    }
    const read = await session.call('getGithubFileContents', { ...LAB, path: 'README.md', ref: 'main' });
    assert.notEqual(read.isError, true, JSON.stringify(read).slice(0, 300));
  });

  test('private repositories are not locked down; other tools are untouched', async () => {
    const r = await session.call('listGithubIssues', { owner: 'octocat', repo: 'private-repo' });
    assert.deepEqual(r.structuredContent.items.map((i) => i.author), ['stranger']);
    assert.equal(r._meta[`${P}private`], true);
    assert.equal(r._meta[`${P}withheld`], undefined);
    const readme = await session.call('getGithubReadme', { repositoryUrl: 'octocat/injection-lab' });
    assert.match(readme.structuredContent.text, /^# Injection lab/);
  });

  test('permission lookups: cheap signals first, one lookup per person, never through the ETag cache', async () => {
    await session.call('listGithubIssues', LAB);
    await session.call('getGithubIssue', { ...LAB, number: 1 });
    const lookups = (login) => gh.requests.filter((q) => q.path === `/repos/octocat/injection-lab/collaborators/${login}/permission`);
    assert.equal(lookups('maintainer').length, 1, 'cached for the caller');
    assert.equal(lookups('triager').length, 1);
    for (const login of ['stranger', 'contributor', 'octocat', 'dependabot%5Bbot%5D', 'dependabot[bot]']) {
      assert.equal(lookups(login).length, 0, `${login} needs no lookup`);
    }
    assert.ok(lookups('maintainer').every((q) => !q.headers['if-none-match']), 'no conditional request: the answer is not in KV');
  });

  test('a commit named by SHA is read only from the default branch: a fork\'s commit, by SHA or prefix, reaches no tool', async () => {
    // By id, abbreviated, and in `git describe`'s form, which Git reads as the same commit.
    for (const ref of [LAB_FORK_SHA, LAB_FORK_SHA.slice(0, 7), `v1.0-3-g${LAB_FORK_SHA.slice(0, 9)}`]) {
      for (const [name, args] of readsAt(ref)) {
        const r = await session.call(name, args);
        assert.equal(r.isError, true, `${name} at ${ref}`);
        assert.match(r.content[0].text, FORK_REFUSED, name);
        assert.ok(!JSON.stringify(r).includes(FORK_MARKER), name);
      }
    }
    const uri = `github://octocat/injection-lab/contents/src/evil.rs?ref=${LAB_FORK_SHA}`;
    const read = await session.request('resources/read', { uri });
    assert.match(read.json.error?.message ?? '', FORK_REFUSED, read.text.slice(0, 300));
    assert.equal(read.json.error.code, -32602, 'the URI asked for is refused: no fault of the server');
    assert.ok(!read.text.includes(FORK_MARKER));
    for (const [name, args] of readsAt(LAB_MERGED_SHA)) {
      const r = await session.call(name, args);
      assert.notEqual(r.isError, true, `${name}: ${r.content?.[0]?.text}`);
    }
    const complete = async (ref) => {
      const r = await session.request('completion/complete', { ref: { type: 'ref/resource', uri: 'github://{owner}/{repo}/contents/{+path}{?ref}' }, argument: { name: 'path', value: '' }, context: { arguments: { ...LAB, ref } } });
      return r.json.result.completion.values;
    };
    assert.deepEqual(await complete(LAB_FORK_SHA), [], 'no names from a fork\'s commit');
    assert.deepEqual(await complete(LAB_MERGED_SHA), ['README.md', 'src/evil.rs']);
    const compares = gh.requests.filter((q) => q.path.startsWith('/repos/octocat/injection-lab/compare/'));
    assert.deepEqual(compares.map((q) => q.path).sort(), [`main...${LAB_FORK_SHA.slice(0, 7)}`, `main...${LAB_FORK_SHA}`, `main...v1.0-3-g${LAB_FORK_SHA.slice(0, 9)}`, `main...${LAB_MERGED_SHA}`].map((p) => `/repos/octocat/injection-lab/compare/${p}`).sort(), 'each ref compared once for the caller');
    const short = await session.call('getGithubFileContents', { ...LAB, path: 'src/evil.rs', ref: LAB_FORK_SHA.slice(0, 7) });
    assert.match(short.content[0].text, /ask for 'refs\/tags\/\w{7}' or 'refs\/heads\/\w{7}'\.$/, 'a tag or branch named in hex is read by its full name');
  });

  test('a connection cannot switch lockdown off', async () => {
    const off = await rawSession(worker.mcpUrl, { 'x-mcp-lockdown': 'false' });
    assert.deepEqual(numbers(await off.call('listGithubIssues', LAB)), [2, 3, 6]);
    const modern = await modernCall(worker.mcpUrl, 'listGithubIssues', LAB, { 'x-mcp-lockdown': 'false' });
    assert.deepEqual(numbers(modern), [2, 3, 6]);
  });
});

describe('lockdown switched on by a connection', () => {
  let gh, worker;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'lockdown-connection', vars: workerVars(gh, { authMode: 'none' }) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('off by default; X-MCP-Lockdown on a session keeps it on for the session', async () => {
    const open = await rawSession(worker.mcpUrl);
    assert.deepEqual(numbers(await open.call('listGithubIssues', LAB)), [1, 2, 3, 4, 5, 6]);
    const locked = await rawSession(worker.mcpUrl, { 'x-mcp-lockdown': 'true' });
    // Later requests of the session need not repeat the header.
    const headers = { ...locked.headers };
    delete headers['x-mcp-lockdown'];
    const r = await mcpPost(worker.mcpUrl, rpc(9, 'tools/call', { name: 'listGithubIssues', arguments: LAB }), headers);
    assert.deepEqual(numbers(r.json.result), [2, 6], 'no trusted bots here: dependabot[bot] is withheld too');
    const bad = await mcpPost(worker.mcpUrl, rpc(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '0' } }), { 'x-mcp-lockdown': 'please' });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /X-MCP-Lockdown/);
  });

  test('a fork\'s commit named by SHA is read without lockdown, and refused with it', async () => {
    for (const ref of [LAB_FORK_SHA, `v1.0-3-g${LAB_FORK_SHA.slice(0, 9)}`]) {
      const args = { ...LAB, path: 'src/evil.rs', ref };
      const open = await modernCall(worker.mcpUrl, 'getGithubFileContents', args);
      assert.match(open.structuredContent.text, new RegExp(FORK_MARKER), 'the fake GitHub answers for it, as Git reads it');
      const locked = await modernCall(worker.mcpUrl, 'getGithubFileContents', args, { 'x-mcp-lockdown': 'true' });
      assert.equal(locked.isError, true);
      assert.match(locked.content[0].text, FORK_REFUSED);
    }
  });

  test('2026-07-28: per request, by header or by the /mcp/lockdown URL', async () => {
    assert.deepEqual(numbers(await modernCall(worker.mcpUrl, 'listGithubIssues', LAB, { 'x-mcp-lockdown': '1' })), [2, 6]);
    assert.deepEqual(numbers(await modernCall(`${worker.url}/mcp/lockdown`, 'listGithubIssues', LAB)), [2, 6]);
    assert.deepEqual(numbers(await modernCall(worker.mcpUrl, 'listGithubIssues', LAB)), [1, 2, 3, 4, 5, 6], 'the next request without it is not locked down');
  });

  test('2026-07-28 tasks: one created without lockdown is not read by a request with it on', async () => {
    const ext = { 'io.modelcontextprotocol/tasks': {} };
    const taskMeta = { ...meta, 'io.modelcontextprotocol/clientCapabilities': { extensions: ext } };
    const send = (method, params, headers = {}) => mcpPost(worker.mcpUrl, rpc(1, method, { _meta: taskMeta, ...params }),
      { 'mcp-protocol-version': MODERN, 'mcp-method': method, 'mcp-name': params.name ?? params.taskId, ...headers });
    const created = await send('tools/call', { name: 'searchGithubIssues', arguments: { query: 'repo:octocat/injection-lab is:issue', maxPages: 2 } });
    const taskId = created.json?.result?.taskId;
    assert.ok(taskId, created.text.slice(0, 300));
    let open;
    for (let i = 0; i < 100; i++) {
      open = await send('tasks/get', { taskId });
      if (open.json?.result?.status !== 'working') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(open.json?.result?.status, 'completed', open.text.slice(0, 300));
    const locked = await send('tasks/get', { taskId }, { 'x-mcp-lockdown': 'true' });
    assert.equal(locked.json?.error?.code, -32602, locked.text.slice(0, 300));
    assert.match(locked.json.error.message, /created without lockdown/);
    assert.doesNotMatch(locked.text, /stranger/);
  });
});

describe('lockdown without a GitHub token', () => {
  let gh, worker;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'lockdown-no-token', vars: workerVars(gh, { authMode: 'none', githubToken: undefined, extra: { LOCKDOWN: 'true' } }) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('GitHub will not say who may push: collaborators are withheld, and the note says why', async () => {
    const session = await rawSession(worker.mcpUrl);
    const r = await session.call('listGithubIssues', LAB);
    assert.deepEqual(numbers(r), [6], 'only the owner');
    assert.match(note(r), /Push access could not be checked for some authors: GitHub calls carry no token/);
  });
});
