// Resources at any ref, completion of ref and path, and files over 1 MB, end to end through
// the TypeScript SDK client against the fake GitHub: the templates as the SDK expands them
// (a ref with '/' included), a README and a file at a tag, at a commit SHA and at a branch,
// a missing ref as resource-not-found (-32002; -32602 in 2026-07-28), ref and path
// completion (narrowed, at most two GitHub calls, the second time through the ETag cache),
// and a 24 MiB file returned as a resource_link and then read: streamed through the raw
// media type, cut at the 2 MiB cap with the note in _meta, the download stopped early.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { startFakeGitHub, startWorker, workerVars, withTimeout, mcpPost, rpc, rawSession, HELLO_MARKER, HELLO_V1_MARKER } from './harness.mjs';
import { COMMIT_SHA, HELLO_SHA_MARKER, STREAM_CAP, BIG_LOG_START, BIG_LOG_END, PNG_BASE64, bigFile } from '../fake-github/server.mjs';

const STEP_MS = 30_000;
const P = 'io.github.github-mcp-worker/';
const REPO = { owner: 'octocat', repo: 'Hello-World' };
const BASE = 'github://octocat/Hello-World';
const CONTENTS = 'github://{owner}/{repo}/contents/{+path}{?ref}';
const README = 'github://{owner}/{repo}/readme{?ref}';
const show = (x) => JSON.stringify(x).slice(0, 600);

describe('github:// resources at a ref, completions, large files (AUTH_MODE=none, GITHUB_TOKEN set)', () => {
  let gh, worker, client;
  const read = (uri) => withTimeout(client.readResource({ uri }), STEP_MS, uri);
  const complete = (uri, name, value, args) =>
    withTimeout(client.complete({ ref: { type: 'ref/resource', uri }, argument: { name, value }, context: { arguments: args } }), STEP_MS, `complete ${name}`);
  const upstream = (re) => gh.requests.filter((r) => re.test(r.path));

  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'refs', vars: workerVars(gh, { authMode: 'none' }) });
    client = new Client({ name: 'mcpw-e2e-refs', version: '0.0.0' });
    await withTimeout(client.connect(new StreamableHTTPClientTransport(new URL(worker.mcpUrl))), STEP_MS, 'connect');
  });
  after(async () => {
    await client?.close();
    await worker?.stop();
    await gh?.close();
  });

  test('the templates take an optional ref, and what the SDK expands from them reads back', async () => {
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), [README, CONTENTS]);
    const uri = new UriTemplate(CONTENTS).expand({ ...REPO, path: 'data/version.txt', ref: 'feature/x' });
    assert.equal(uri, `${BASE}/contents/data/version.txt?ref=feature%2Fx`);
    assert.equal((await read(uri)).contents[0].text, 'version at feature/x\n');
    assert.equal(upstream(/\/contents\/data\/version\.txt$/).at(-1).query.ref, 'feature/x');
    // A bare '/' in the query is the same ref.
    assert.equal((await read(`${BASE}/contents/data/version.txt?ref=feature/x`)).contents[0].text, 'version at feature/x\n');
    // No ref: the default branch, as before.
    const plain = new UriTemplate(CONTENTS).expand({ ...REPO, path: 'data/version.txt' });
    assert.equal(plain, `${BASE}/contents/data/version.txt`);
    assert.equal((await read(plain)).contents[0].text, 'version at master\n');
    assert.equal(upstream(/\/contents\/data\/version\.txt$/).at(-1).query.ref, undefined);
  });

  test('a file and a README at a tag and at a commit', async () => {
    const atTag = await read(`${BASE}/contents/data/version.txt?ref=v1`);
    assert.equal(atTag.contents[0].text, 'version at v1\n');
    assert.equal(atTag.contents[0].uri, `${BASE}/contents/data/version.txt?ref=v1`);
    assert.equal(atTag.contents[0]._meta[`${P}hiddenCharacters`], null);
    const atCommit = await read(`${BASE}/contents/data/version.txt?ref=${COMMIT_SHA}`);
    assert.equal(atCommit.contents[0].text, `version at ${COMMIT_SHA}\n`);
    assert.equal(upstream(/\/contents\/data\/version\.txt$/).at(-1).query.ref, COMMIT_SHA);
    // A directory at a tag lists what the tag has.
    const dir = JSON.parse((await read(`${BASE}/contents/data?ref=v1`)).contents[0].text);
    assert.deepEqual(dir.map((e) => e.path), ['data/blob.bin', 'data/version.txt']);
    assert.match((await read(`${BASE}/readme`)).contents[0].text, new RegExp(HELLO_MARKER));
    assert.match((await read(`${BASE}/readme?ref=v1`)).contents[0].text, new RegExp(HELLO_V1_MARKER));
    const readme = await read(`${BASE}/readme?ref=${COMMIT_SHA}`);
    assert.match(readme.contents[0].text, new RegExp(HELLO_SHA_MARKER));
    assert.equal(upstream(/\/readme$/).at(-1).query.ref, COMMIT_SHA);
  });

  test('a missing ref is resource-not-found; a malformed one is invalid params and never sent', async () => {
    await assert.rejects(read(`${BASE}/contents/data/version.txt?ref=nope`), (e) => e.code === -32002 && /not found/i.test(e.message));
    await assert.rejects(read(`${BASE}/readme?ref=nope`), (e) => e.code === -32002);
    // big.log is not in the tag v1.
    await assert.rejects(read(`${BASE}/contents/data/big.log?ref=v1`), (e) => e.code === -32002);
    const n = gh.requests.length;
    for (const bad of ['?ref=a..b', '?ref=-x', '?ref=a%20b', '?ref=v1&ref=v2', '?sha=v1', '?ref=%zz']) {
      await assert.rejects(read(`${BASE}/contents/data/version.txt${bad}`), (e) => e.code === -32602, bad);
    }
    await assert.rejects(read(`${BASE}/contents/%2E%2E/x`), (e) => e.code === -32602);
    assert.equal(gh.requests.length, n, 'nothing malformed went upstream');
    const MODERN = '2026-07-28';
    const meta = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '0' } };
    const uri = `${BASE}/readme?ref=nope`;
    const r = await mcpPost(worker.mcpUrl, rpc(1, 'resources/read', { _meta: meta, uri }), { 'mcp-protocol-version': MODERN, 'mcp-method': 'resources/read', 'mcp-name': uri });
    assert.equal(r.json?.error?.code, -32602, r.text.slice(0, 300));
  });

  test('ref completion: branches then tags, narrowed, two GitHub calls, the next time through the ETag cache', async () => {
    const before = gh.requests.length;
    const all = await complete(CONTENTS, 'ref', '', REPO);
    assert.deepEqual(all.completion, { values: ['master', 'feature/x', 'dev', 'v1', 'v0.9'], total: 5, hasMore: false });
    const calls = gh.requests.slice(before);
    assert.deepEqual(calls.map((r) => r.path).sort(), ['/repos/octocat/Hello-World/branches', '/repos/octocat/Hello-World/tags']);
    assert.ok(calls.every((r) => r.query.per_page === '100'), show(calls.map((r) => r.query)));
    const cached = gh.counts.notModified;
    const v = await complete(README, 'ref', 'V', REPO);
    assert.deepEqual(v.completion.values, ['v1', 'v0.9']);
    assert.equal(gh.counts.notModified, cached + 2, 'both lists came back 304 from the ETag cache');
    assert.deepEqual((await complete(CONTENTS, 'ref', 'feature/', REPO)).completion.values, ['feature/x']);
    // No repository in the context: nothing, and nothing asked of GitHub.
    const n = gh.requests.length;
    assert.deepEqual((await complete(CONTENTS, 'ref', '', {})).completion.values, []);
    assert.deepEqual((await complete(CONTENTS, 'ref', '', { owner: 'octocat', repo: '..' })).completion.values, []);
    assert.equal(gh.requests.length, n);
  });

  test('path completion: the next segment of the typed path, at the ref, directories ending in /', async () => {
    const before = gh.requests.length;
    assert.deepEqual((await complete(CONTENTS, 'path', '', REPO)).completion.values, ['README.md', 'src/', 'docs/', 'data/']);
    assert.equal(gh.requests.length, before + 1, 'one GitHub call');
    assert.deepEqual((await complete(CONTENTS, 'path', 'd', REPO)).completion.values, ['docs/', 'data/']);
    const data = await complete(CONTENTS, 'path', 'data/', REPO);
    assert.deepEqual(data.completion, {
      values: ['data/big.bin', 'data/big.log', 'data/blob.bin', 'data/photo.png', 'data/sets/', 'data/version.txt'], total: 6, hasMore: false,
    });
    assert.deepEqual((await complete(CONTENTS, 'path', 'data/B', REPO)).completion.values, ['data/big.bin', 'data/big.log', 'data/blob.bin']);
    assert.deepEqual((await complete(CONTENTS, 'path', 'data/sets/', REPO)).completion.values, ['data/sets/a.csv']);
    // At the tag v1, data/ had two files.
    assert.deepEqual((await complete(CONTENTS, 'path', 'data/', { ...REPO, ref: 'v1' })).completion.values, ['data/blob.bin', 'data/version.txt']);
    assert.equal(upstream(/\/contents\/data$/).at(-1).query.ref, 'v1');
    // A completed directory reads as its listing.
    const sets = JSON.parse((await read(`${BASE}/contents/data/sets/`)).contents[0].text);
    assert.deepEqual(sets.map((e) => e.path), ['data/sets/a.csv']);
    // A path or ref that may not go upstream gives nothing, without a call.
    const n = gh.requests.length;
    assert.deepEqual((await complete(CONTENTS, 'path', '../', REPO)).completion.values, []);
    assert.deepEqual((await complete(CONTENTS, 'path', 'data/', { ...REPO, ref: 'a..b' })).completion.values, []);
    assert.equal(gh.requests.length, n);
  });

  test('a file over 1 MB comes back as a resource_link at the same ref, and reading it streams the first 2 MiB', async () => {
    const r = await withTimeout(client.callTool({ name: 'getGithubFileContents', arguments: { ...REPO, path: 'data/big.log', ref: 'feature/x' } }), STEP_MS, 'big.log');
    assert.ok(!r.isError, show(r));
    const size = bigFile('data/big.log').length;
    const uri = `${BASE}/contents/data/big.log?ref=feature%2Fx`;
    assert.deepEqual([r.structuredContent.encoding, r.structuredContent.text, r.structuredContent.truncated, r.structuredContent.size, r.structuredContent.resourceUri],
      ['none', null, true, size, uri]);
    const link = r.content.find((c) => c.type === 'resource_link');
    assert.ok(link, show(r.content));
    assert.deepEqual([link.uri, link.name, link.mimeType, link.size], [uri, 'big.log', 'text/plain', size]);
    assert.match(link.description, new RegExp(`first ${STREAM_CAP} bytes`));

    const { contents } = await withTimeout(client.readResource({ uri: link.uri }), STEP_MS, 'read big.log');
    const text = contents[0].text;
    assert.ok(text.startsWith(`${BIG_LOG_START}\n`), text.slice(0, 80));
    assert.ok(!text.includes(BIG_LOG_END));
    // The cap fell inside an "é": the text stops before it, byte for byte what GitHub sent.
    const bytes = Buffer.from(text, 'utf8');
    assert.equal(bytes.length, STREAM_CAP - 1);
    assert.ok(bytes.equals(bigFile('data/big.log').subarray(0, STREAM_CAP - 1)), 'byte for byte');
    assert.deepEqual(contents[0]._meta[`${P}truncated`], { returnedBytes: STREAM_CAP - 1, size });
    assert.equal(contents[0]._meta[`${P}hiddenCharacters`].count, 1);
    assert.deepEqual(contents[0]._meta[`${P}untrusted`], ['text']);
    assert.equal(contents[0]._meta[`${P}private`], false);
    // Through the raw media type, at the ref, and the Worker stopped reading early.
    const raw = upstream(/\/contents\/data\/big\.log$/).filter((q) => q.headers.accept === 'application/vnd.github.raw');
    assert.equal(raw.length, 1);
    assert.equal(raw[0].query.ref, 'feature/x');
    assert.equal(raw[0].headers['if-none-match'], undefined);
    const streamed = gh.rawReads.at(-1);
    assert.equal(streamed.path, '/repos/octocat/Hello-World/contents/data/big.log');
    for (let i = 0; i < 50 && !streamed.closedEarly && !streamed.finished; i++) await new Promise((res) => setTimeout(res, 100));
    assert.ok(streamed.closedEarly && streamed.written < size, `the download was cut short: ${show(streamed)}`);
  });

  test('a binary file over 1 MB: whole as a blob under the cap; over it, an error that says so', async () => {
    const photo = await client.callTool({ name: 'getGithubFileContents', arguments: { ...REPO, path: 'data/photo.png' } });
    const link = photo.content.find((c) => c.type === 'resource_link');
    assert.deepEqual([link.uri, link.mimeType, link.size], [`${BASE}/contents/data/photo.png`, 'image/png', 1_500_000]);
    const { contents } = await read(link.uri);
    assert.equal(contents[0].mimeType, 'image/png');
    assert.ok(Buffer.from(contents[0].blob, 'base64').equals(bigFile('data/photo.png')));
    assert.ok(contents[0].blob.startsWith(PNG_BASE64.slice(0, 40)));
    assert.equal(contents[0]._meta[`${P}truncated`], undefined);
    await assert.rejects(read(`${BASE}/contents/data/big.bin`), (e) => e.code === -32602 && /binary file of 3145728 bytes, too large/.test(e.message) && !/http/.test(e.message));
  });

  test('before 2025-06-18, which has no resource_link, the result names the URI in a text block', async () => {
    const s = await rawSession(worker.mcpUrl, {}, '2025-03-26');
    const r = await s.call('getGithubFileContents', { ...REPO, path: 'data/big.log' });
    assert.equal(r.isError, undefined, show(r));
    assert.ok(!r.content.some((c) => c.type === 'resource_link'), show(r.content));
    assert.ok(r.content.some((c) => c.type === 'text' && c.text.includes(`Read the resource ${BASE}/contents/data/big.log`)), show(r.content));
  });
});
