// Unit checks of the fake GitHub itself (no worker needed):  node --test tests/fake-github/
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeGitHub, HELLO_MARKER, HELLO_V1_MARKER, DOCS_MARKER, PRIVATE_MARKER } from './server.mjs';

let gh;
before(async () => { gh = await startFakeGitHub(); });
after(async () => { await gh?.close(); });

const get = (path, headers = {}) => fetch(gh.url + path, { headers, signal: AbortSignal.timeout(5000) });
const decode = (b) => Buffer.from(b.content.replace(/\n/g, ''), 'base64').toString('utf8');

test('README of octocat/Hello-World has GitHub content-file shape', async () => {
  const r = await get('/repos/octocat/Hello-World/readme', { accept: 'application/vnd.github+json' });
  assert.equal(r.status, 200);
  const b = await r.json();
  for (const k of ['type', 'encoding', 'size', 'name', 'path', 'content', 'sha', 'url', 'git_url', 'html_url', 'download_url', '_links']) {
    assert.ok(k in b, `missing ${k}`);
  }
  assert.equal(b.type, 'file');
  assert.equal(b.encoding, 'base64');
  assert.equal(b.name, 'README.md');
  assert.match(b.sha, /^[0-9a-f]{40}$/);
  assert.deepEqual(Object.keys(b._links).sort(), ['git', 'html', 'self']);
  // wrapped every 60 chars like GitHub
  for (const line of b.content.split('\n').slice(0, -2)) assert.equal(line.length, 60);
  const text = decode(b);
  assert.ok(text.includes(HELLO_MARKER));
  assert.equal(b.size, Buffer.byteLength(text));
  assert.equal(gh.counts['GET /repos/octocat/Hello-World/readme'], 1);
  assert.equal(gh.requests.at(-1).headers.accept, 'application/vnd.github+json');
});

test('ref=v1 gives other content; unknown ref 404', async () => {
  const b = await (await get('/repos/octocat/Hello-World/readme?ref=v1')).json();
  assert.ok(decode(b).includes(HELLO_V1_MARKER));
  assert.equal(gh.requests.at(-1).query.ref, 'v1');
  const r = await get('/repos/octocat/Hello-World/readme?ref=nope');
  assert.equal(r.status, 404);
});

test('octo-org/docs README lives at docs/README.rst', async () => {
  const b = await (await get('/repos/octo-org/docs/readme')).json();
  assert.equal(b.path, 'docs/README.rst');
  assert.equal(b.name, 'README.rst');
  assert.ok(decode(b).includes(DOCS_MARKER));
});

test('private repo needs the token', async () => {
  const r1 = await get('/repos/octocat/private-repo/readme');
  assert.equal(r1.status, 404);
  assert.deepEqual(await r1.json(), {
    message: 'Not Found',
    documentation_url: 'https://docs.github.com/rest/repos/contents#get-a-repository-readme',
    status: '404',
  });
  const r2 = await get('/repos/octocat/private-repo/readme', { authorization: `Bearer ${gh.token}` });
  assert.equal(r2.status, 200);
  assert.ok(decode(await r2.json()).includes(PRIVATE_MARKER));
});

test('rate limits', async () => {
  const r = await get('/repos/limited/repo/readme');
  assert.equal(r.status, 403);
  assert.equal(r.headers.get('x-ratelimit-remaining'), '0');
  assert.equal(r.headers.get('x-ratelimit-reset'), String(gh.rateReset));
  assert.match((await r.json()).message, /API rate limit exceeded/);
  const s = await get('/repos/octocat/secondary/readme');
  assert.equal(s.status, 403);
  assert.equal(s.headers.get('retry-after'), '60');
  assert.match((await s.json()).message, /secondary rate limit/);
});

test('/user needs a known token', async () => {
  const r1 = await get('/user');
  assert.equal(r1.status, 401);
  assert.equal((await r1.json()).message, 'Requires authentication');
  const r2 = await get('/user', { authorization: 'Bearer wrong' });
  assert.equal(r2.status, 401);
  const r3 = await get('/user', { authorization: `Bearer ${gh.token}` });
  assert.equal(r3.status, 200);
  const u = await r3.json();
  assert.equal(u.login, 'octocat');
  assert.equal(u.id, 1);
  assert.ok(u.html_url.endsWith('/octocat'));
});

test('unknown repo and path 404', async () => {
  assert.equal((await get('/repos/octocat/does-not-exist/readme')).status, 404);
  assert.equal((await get('/nope')).status, 404);
});

test('the injection lab: hidden text, people with and without push access, permissions need a token', async () => {
  const issue = await (await get('/repos/octocat/injection-lab/issues/1')).json();
  assert.equal(issue.author_association, 'NONE');
  assert.match(issue.body, /<!-- LEAK-THE-SECRETS/);
  assert.ok(/[\u{e0000}-\u{e007f}]/u.test(issue.body), 'tag characters');
  const readme = await (await get('/repos/octocat/injection-lab/readme')).json();
  assert.match(decode(readme), /hidden-span-secret/);
  assert.equal((await get('/repos/octocat/injection-lab/collaborators/maintainer/permission')).status, 401);
  const auth = { authorization: `Bearer ${gh.token}` };
  const maintainer = await (await get('/repos/octocat/injection-lab/collaborators/maintainer/permission', auth)).json();
  assert.deepEqual([maintainer.permission, maintainer.role_name], ['write', 'write']);
  const triager = await (await get('/repos/octocat/injection-lab/collaborators/triager/permission', auth)).json();
  assert.equal(triager.role_name, 'triage');
  const privateRepo = await (await get('/repos/octocat/private-repo', auth)).json();
  assert.equal(privateRepo.private, true);
  assert.equal((await get('/repos/octocat/private-repo')).status, 404);
});

test('files differ by ref; a file over 1 MiB has no content in JSON and streams raw', async () => {
  const { COMMIT_SHA, CONTENTS_API_LIMIT, bigFile } = await import('./routes.mjs');
  const version = async (ref) => decode(await (await get(`/repos/octocat/Hello-World/contents/data/version.txt?ref=${encodeURIComponent(ref)}`)).json());
  assert.equal(await version('feature/x'), 'version at feature/x\n');
  assert.equal(await version(COMMIT_SHA), `version at ${COMMIT_SHA}\n`);
  const atTag = await (await get('/repos/octocat/Hello-World/contents/data?ref=v1')).json();
  assert.deepEqual(atTag.map((e) => e.path), ['data/blob.bin', 'data/version.txt']);
  assert.equal((await get('/repos/octocat/Hello-World/contents/data/big.log?ref=v1')).status, 404);
  const big = await (await get('/repos/octocat/Hello-World/contents/data/big.log')).json();
  assert.deepEqual([big.encoding, big.content, big.size], ['none', '', bigFile('data/big.log').length]);
  assert.ok(big.size > CONTENTS_API_LIMIT);
  const raw = await get('/repos/octocat/Hello-World/contents/data/photo.png', { accept: 'application/vnd.github.raw' });
  assert.ok(Buffer.from(await raw.arrayBuffer()).equals(bigFile('data/photo.png')));
  for (let i = 0; i < 50 && !gh.rawReads.at(-1).finished; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(gh.rawReads.at(-1), { path: '/repos/octocat/Hello-World/contents/data/photo.png', size: 1_500_000, written: 1_500_000, finished: true, closedEarly: false });
});
