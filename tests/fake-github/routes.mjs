// The fake GitHub's read API for the toolset tests: octocat/Hello-World's repository, files,
// commits, branches, tags, releases, issues, pull requests, searches, users, /user/repos.
// Shapes follow docs.github.com (REST API 2022-11-28), trimmed to the fields a client reads.
// Files differ by ref under data/ (data/version.txt, and fewer entries at v1), and files over
// 1 MiB answer as GitHub's contents API does (encoding "none", no content) and whole through
// the raw media type (Accept: application/vnd.github.raw).
import { createHash } from 'node:crypto';

export const FILE_MARKER = 'FAKE-FILE-MARKER-91ab4e';
export const DIFF_MARKER = 'FAKE-DIFF-MARKER-d1ff00';
/** A 1x1 PNG. */
export const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

const sha = (s) => createHash('sha1').update(String(s)).digest('hex');
const wrap = (b64) => (b64.match(/.{1,60}/g) ?? []).join('\n') + '\n';
/** A commit of octocat/Hello-World, usable as a ref. */
export const COMMIT_SHA = sha('c1');
const REFS = new Set(['master', 'v1', 'feature/x', COMMIT_SHA]);

/** GitHub's contents API returns content only for files up to 1 MB. */
export const CONTENTS_API_LIMIT = 1024 * 1024;
/** The Worker's documented cap on a large file streamed through the raw media type. */
export const STREAM_CAP = 2 * 1024 * 1024;
export const BIG_LOG_START = 'BIG-LOG-START-MARKER-4c1d';
export const BIG_LOG_END = 'BIG-LOG-END-MARKER-9e2f';

/**
 * data/big.log: 24 MiB of text (far more than a Worker would buffer unasked), starting with
 * a marker and a zero-width space, with an "é" whose first byte is the last byte under the
 * cap (so a cut there must drop it), and ending with another marker.
 */
function bigLog() {
  const head = `${BIG_LOG_START}\nline 2 has a zero\u200bwidth space\n`;
  const filler = (n) => Buffer.alloc(n, 'log line of the big file\n');
  const headBytes = Buffer.from(head);
  const beforeCut = filler(STREAM_CAP - 1 - headBytes.length);
  const tail = Buffer.from(`\n${BIG_LOG_END}\n`);
  const after = filler(24 * 1024 * 1024 - STREAM_CAP - 1 - tail.length);
  return Buffer.concat([headBytes, beforeCut, Buffer.from('é'), after, tail]);
}

/** Deterministic bytes: `n` of them, starting with `head`, with NULs (binary). */
function binary(head, n) {
  const out = Buffer.alloc(n);
  head.copy(out);
  for (let i = head.length; i < n; i++) out[i] = (i * 7919) % 251;
  return out;
}

/** Large files, made once on first use. */
const BIG = {
  'data/big.log': bigLog,
  // Over 1 MiB, under the cap: read whole as a blob.
  'data/photo.png': () => binary(Buffer.from(PNG_BASE64, 'base64'), 1_500_000),
  // Over the cap, binary without a binary extension: too large to read.
  'data/big.bin': () => binary(Buffer.from([0]), 3 * 1024 * 1024),
};
const made = new Map();
export const bigFile = (path) => {
  if (!made.has(path)) made.set(path, BIG[path]());
  return made.get(path);
};

const FILES = {
  'README.md': { text: '# Hello World\n' },
  'src/main.rs': { text: `fn main() {\n    println!("Hello, world!"); // ${FILE_MARKER}\n}\n` },
  'docs/logo.png': { b64: PNG_BASE64 },
  'docs/guide.md': { text: '# Guide\n\nRead me.\n' },
  'data/blob.bin': { b64: Buffer.from([0x00, 0xff, 0x10, 0x80, 0xfe]).toString('base64') },
  'data/version.txt': { text: (ref) => `version at ${ref}\n` },
  'data/sets/a.csv': { text: 'a,b\n1,2\n' },
};
const DIRS = {
  '': ['README.md', 'src', 'docs', 'data'], src: ['src/main.rs'], docs: ['docs/logo.png', 'docs/guide.md'],
  data: ['data/big.bin', 'data/big.log', 'data/blob.bin', 'data/photo.png', 'data/sets', 'data/version.txt'],
  'data/sets': ['data/sets/a.csv'],
};
/** What differs at a ref: the tag v1 had fewer files in data/. */
const DIRS_AT = { v1: { data: ['data/blob.bin', 'data/version.txt'] } };
const dirAt = (p, ref) => DIRS_AT[ref]?.[p] ?? DIRS[p];

/** A file's bytes at a ref, or undefined for a directory or nothing. */
function fileBytes(path, ref) {
  if (BIG[path]) return bigFile(path);
  const f = FILES[path];
  if (!f) return undefined;
  if (f.b64 !== undefined) return Buffer.from(f.b64, 'base64');
  return Buffer.from(typeof f.text === 'function' ? f.text(ref) : f.text);
}

const user = (web, login, id = 1, type = 'User') => ({ login, id, type, site_admin: false, html_url: `${web}/${login}`, avatar_url: `${web}/avatars/${login}` });
const label = (name) => ({ id: sha(name).length, name, color: 'ededed', description: null, default: false });

function fileEntry(base, web, path, ref = 'master') {
  const name = path.split('/').pop();
  const bytes = fileBytes(path, ref);
  const dir = !bytes;
  const large = !dir && bytes.length > CONTENTS_API_LIMIT;
  return {
    type: dir ? 'dir' : 'file', name, path, sha: sha(path + ref), size: dir ? 0 : bytes.length,
    url: `${base}/repos/octocat/Hello-World/contents/${path}?ref=${ref}`,
    html_url: `${web}/octocat/Hello-World/${dir ? 'tree' : 'blob'}/${ref}/${path}`,
    git_url: `${base}/repos/octocat/Hello-World/git/${dir ? 'trees' : 'blobs'}/${sha(path)}`,
    download_url: dir ? null : `${web}/raw/octocat/Hello-World/${ref}/${path}`,
    ...(dir || large ? {} : { encoding: 'base64', content: wrap(bytes.toString('base64')) }),
    // GitHub: "Between 1-100 MB ... the content field will be an empty string and the
    // encoding field will be "none"".
    ...(large ? { encoding: 'none', content: '' } : {}),
  };
}

function commit(base, web, n) {
  const id = sha(`c${n}`);
  return {
    sha: id, node_id: `C_${n}`, url: `${base}/repos/octocat/Hello-World/commits/${id}`,
    html_url: `${web}/octocat/Hello-World/commit/${id}`,
    commit: {
      message: `Commit number ${n}\n\nBody of commit ${n}.`,
      author: { name: 'The Octocat', email: 'octocat@github.com', date: `2024-01-${String(10 + n).padStart(2, '0')}T12:00:00Z` },
      committer: { name: 'GitHub', email: 'noreply@github.com', date: `2024-01-${String(10 + n).padStart(2, '0')}T12:00:00Z` },
    },
    author: user(web, 'octocat'), committer: user(web, 'web-flow', 2),
    parents: [{ sha: sha(`c${n + 1}`), url: `${base}/repos/octocat/Hello-World/commits/${sha(`c${n + 1}`)}` }],
  };
}

function issue(base, web, n) {
  const pr = n === 4;
  const out = {
    id: 1000 + n, node_id: `I_${n}`, number: n, title: ['', 'Found a bug', 'Add dark mode', 'Question about setup', 'Fix typo'][n],
    state: n === 3 ? 'closed' : 'open', locked: false, user: user(web, n === 2 ? 'hubot' : 'octocat', n),
    labels: n === 1 ? [label('bug'), label('ui')] : n === 2 ? [label('enhancement')] : [],
    assignees: n === 1 ? [user(web, 'octocat')] : [], comments: n === 1 ? 3 : 0,
    created_at: `2024-02-0${n}T10:00:00Z`, updated_at: `2024-02-1${n}T10:00:00Z`, closed_at: n === 3 ? '2024-02-20T10:00:00Z' : null,
    body: n === 1 ? 'It crashes when I click the button.\n\nSteps: 1. click' : null,
    url: `${base}/repos/octocat/Hello-World/issues/${n}`, repository_url: `${base}/repos/octocat/Hello-World`,
    html_url: `${web}/octocat/Hello-World/${pr ? 'pull' : 'issues'}/${n}`,
  };
  if (pr) out.pull_request = { url: `${base}/repos/octocat/Hello-World/pulls/${n}`, html_url: out.html_url };
  return out;
}

function pull(base, web, n, full = false) {
  const out = {
    id: 2000 + n, number: n, state: 'open', draft: n === 5, title: n === 4 ? 'Fix typo' : 'Add a feature',
    user: user(web, 'hubot', 2), labels: [label('docs')],
    head: { label: 'octocat:feature/x', ref: 'feature/x', sha: sha(`head${n}`) }, base: { label: 'octocat:master', ref: 'master', sha: sha('c1') },
    created_at: '2024-03-01T10:00:00Z', updated_at: '2024-03-02T10:00:00Z', merged_at: null, closed_at: null,
    url: `${base}/repos/octocat/Hello-World/pulls/${n}`, html_url: `${web}/octocat/Hello-World/pull/${n}`,
    body: 'Fixes a typo in the README.',
  };
  if (full) Object.assign(out, { merged: false, mergeable: true, mergeable_state: 'clean', comments: 1, review_comments: 2, commits: 1, additions: 3, deletions: 1, changed_files: 2 });
  return out;
}

const release = (base, web, n) => ({
  id: 3000 + n, tag_name: `v${n}.0.0`, name: `Version ${n}`, draft: false, prerelease: n === 3,
  author: user(web, 'octocat'), created_at: `2024-0${n}-01T00:00:00Z`, published_at: `2024-0${n}-01T01:00:00Z`,
  html_url: `${web}/octocat/Hello-World/releases/tag/v${n}.0.0`, url: `${base}/repos/octocat/Hello-World/releases/${3000 + n}`,
  body: `## Changes in ${n}\n\n- Things got better.`,
  assets: [{ id: 1, name: `hello-${n}.tar.gz`, content_type: 'application/gzip', size: 1024, download_count: 42, browser_download_url: `${web}/octocat/Hello-World/releases/download/v${n}.0.0/hello-${n}.tar.gz` }],
});

const repo = (base, web, owner, name, extra = {}) => ({
  id: 1296269, node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5', name, full_name: `${owner}/${name}`, owner: user(web, owner),
  private: false, html_url: `${web}/${owner}/${name}`, description: 'My first repository on GitHub!', fork: false,
  url: `${base}/repos/${owner}/${name}`, homepage: 'https://github.com', language: 'Rust', forks_count: 9, stargazers_count: 80,
  watchers_count: 80, open_issues_count: 3, default_branch: 'master', topics: ['octocat', 'api'], archived: false,
  license: { key: 'mit', name: 'MIT License', spdx_id: 'MIT' }, visibility: 'public',
  created_at: '2011-01-26T19:01:12Z', updated_at: '2024-01-26T19:14:43Z', pushed_at: '2024-01-26T19:06:43Z', ...extra,
});

/** The issues a search for `is:long` finds. */
let LONG_ISSUES;
/** Pull request #5's diff: 8 MB, ten times what the Worker reads of one (800,000 bytes). */
let BIG_DIFF;
const bigDiff = () => (BIG_DIFF ??= `diff --git a/data.txt b/data.txt\n@@ -0,0 +1 @@\n${'+line of data\n'.repeat(8_000_000 / 14)}`);

const DIFF = `diff --git a/README.md b/README.md
index 3b18e51..a3f4a2c 100644
--- a/README.md
+++ b/README.md
@@ -1 +1,3 @@
-# Helo World
+# Hello World
+
+${DIFF_MARKER}
`;

/**
 * Routes for one request. Returns undefined when no route matches, else
 * {status, body} (JSON), {status, text, type}, {status, raw, type} (bytes, streamed) or
 * {list, status} for a paginated array.
 */
export function readRoute({ base, web, path, q, authorized, accept }) {
  let m;
  const R = '/repos/octocat/Hello-World';
  const ref = q.get('ref') ?? 'master';
  const badRef = () => ({ status: 404, body: { message: `No commit found for the ref ${ref}`, documentation_url: 'https://docs.github.com/rest/repos/contents', status: '404' } });
  if (path === R) return { status: 200, body: repo(base, web, 'octocat', 'Hello-World') };
  if (path === `${R}/languages`) return { status: 200, body: { Rust: 12345, JavaScript: 678 } };
  if ((m = path.match(/^\/repos\/octocat\/Hello-World\/contents(?:\/(.*))?$/))) {
    if (!REFS.has(ref)) return badRef();
    const p = decodeURIComponent(m[1] ?? '').replace(/\/$/, '');
    const listing = dirAt(p, ref);
    if (listing) return { status: 200, body: listing.map((x) => { const e = fileEntry(base, web, x, ref); delete e.content; delete e.encoding; return e; }) };
    const inDir = dirAt(p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '', ref) ?? [];
    if (!inDir.includes(p)) return undefined;
    if (/\.raw\b/.test(accept ?? '')) return { status: 200, raw: fileBytes(p, ref), type: 'application/vnd.github.raw' };
    return { status: 200, body: fileEntry(base, web, p, ref) };
  }
  if (path === `${R}/commits`) return { list: [1, 2, 3, 4, 5].map((n) => commit(base, web, n)) };
  if ((m = path.match(/^\/repos\/octocat\/Hello-World\/commits\/([^/]+)$/))) {
    const id = decodeURIComponent(m[1]);
    // The commit `big`: 300 files with 16 KB patches, 5 MB of JSON; its files in pages with
    // `per_page`, as GitHub pages a commit's files.
    // The commit `huge`: its first 20 files alone have 5 MB of patches.
    if (id === 'huge') return { status: 200, body: { ...commit(base, web, 1), files: Array.from({ length: Math.min(Number(q.get('per_page') ?? 300), 40) }, (_, i) => ({ sha: sha(`huge${i}`), filename: `gen/huge${i}.txt`, status: 'added', additions: 10_500, deletions: 0, changes: 10_500, patch: '+generated line of text\n'.repeat(10_500) })) } };
    if (id === 'big') {
      const files = Array.from({ length: 300 }, (_, i) => ({ sha: sha(`big${i}`), filename: `gen/file${i}.txt`, status: 'added', additions: 660, deletions: 0, changes: 660, patch: '+generated line of text\n'.repeat(660) }));
      const perPage = Number(q.get('per_page') ?? 300);
      const more = perPage < files.length ? { link: `<${base}${path}?per_page=${perPage}&page=2>; rel="next"` } : {};
      return { status: 200, headers: more, body: { ...commit(base, web, 1), stats: { total: 198_000, additions: 198_000, deletions: 0 }, files: files.slice(0, perPage) } };
    }
    if (!REFS.has(id) && id !== sha('c2')) return { status: 422, body: { message: `No commit found for SHA: ${id}`, documentation_url: 'https://docs.github.com/rest/commits/commits#get-a-commit', status: '422' } };
    return { status: 200, body: { ...commit(base, web, 1), stats: { total: 4, additions: 3, deletions: 1 }, files: [
      { sha: sha('f1'), filename: 'README.md', status: 'modified', additions: 2, deletions: 1, changes: 3, patch: '@@ -1 +1,2 @@' },
      { sha: sha('f2'), filename: 'src/new.rs', status: 'added', additions: 1, deletions: 0, changes: 1, patch: '@@ -0,0 +1 @@' },
    ] } };
  }
  if (path === `${R}/branches`) {
    const all = [['master', true], ['feature/x', false], ['dev', false]].map(([name, p], i) => ({ name, commit: { sha: sha(`b${i}`), url: `${base}${R}/commits/${sha(`b${i}`)}` }, protected: p }));
    const want = q.get('protected');
    return { list: want == null ? all : all.filter((b) => String(b.protected) === want) };
  }
  if (path === `${R}/tags`) return { list: ['v1', 'v0.9'].map((name, i) => ({ name, commit: { sha: sha(`t${i}`), url: '' }, zipball_url: '', tarball_url: '', node_id: '' })) };
  if (path === `${R}/releases`) return { list: [3, 2, 1].map((n) => release(base, web, n)) };
  if (path === `${R}/releases/latest`) return { status: 200, body: release(base, web, 2) };
  if (path === `${R}/issues`) {
    // The labels `long` and `longer`: a page of 100 issues with long bodies, 3.2 MB and
    // 6.2 MB of JSON (GitHub allows 65,536 characters in a body).
    const long = { long: 30_000, longer: 60_000 }[q.get('labels')];
    if (long) return { list: Array.from({ length: 100 }, (_, i) => ({ ...issue(base, web, 1), number: 100 + i, body: `${'Long text. '.repeat(long / 11)}` })) };
    const state = q.get('state') ?? 'open';
    return { list: [1, 2, 3, 4].map((n) => issue(base, web, n)).filter((i) => state === 'all' || i.state === state) };
  }
  if ((m = path.match(/^\/repos\/octocat\/Hello-World\/issues\/(\d+)(\/comments)?$/))) {
    const n = Number(m[1]);
    if (n < 1 || n > 4) return undefined;
    if (!m[2]) return { status: 200, body: issue(base, web, n) };
    const count = n === 1 ? 3 : 0;
    return { list: Array.from({ length: count }, (_, i) => ({ id: 500 + i, user: user(web, i % 2 ? 'hubot' : 'octocat'), body: `Comment ${i + 1}`, created_at: `2024-02-0${i + 2}T00:00:00Z`, updated_at: '2024-02-10T00:00:00Z', html_url: `${web}/octocat/Hello-World/issues/1#issuecomment-${500 + i}`, author_association: 'OWNER' })) };
  }
  if (path === `${R}/pulls`) return { list: [4, 5].map((n) => pull(base, web, n)).filter((p) => !q.get('base') || p.base.ref === q.get('base')) };
  if ((m = path.match(/^\/repos\/octocat\/Hello-World\/pulls\/(\d+)(\/files|\/reviews)?$/))) {
    const n = Number(m[1]);
    if (n !== 4 && n !== 5 && n !== 6) return undefined;
    // Pull request #6 changes 100 files with 45 KB patches: 4.6 MB in a page of 100.
    if (n === 6 && m[2] === '/files') return { list: Array.from({ length: 100 }, (_, i) => ({ sha: sha(`six${i}`), filename: `gen/file${i}.txt`, status: 'added', additions: 1875, deletions: 0, changes: 1875, patch: '+generated line of text\n'.repeat(1875) })) };
    if (m[2] === '/files') return { list: [
      { sha: sha('p1'), filename: 'README.md', status: 'modified', additions: 2, deletions: 1, changes: 3, patch: '@@' },
      { sha: sha('p2'), filename: 'docs/guide.md', status: 'added', additions: 1, deletions: 0, changes: 1, patch: '@@' },
    ] };
    if (m[2] === '/reviews') return { list: [
      { id: 80, user: user(web, 'octocat'), body: 'Please fix', state: 'CHANGES_REQUESTED', submitted_at: '2024-03-02T10:00:00Z', commit_id: sha('head4') },
      { id: 81, user: user(web, 'octocat'), body: 'Looks good', state: 'APPROVED', submitted_at: '2024-03-03T10:00:00Z', commit_id: sha('head4') },
    ] };
    if (accept === 'application/vnd.github.diff') return { status: 200, text: n === 5 ? bigDiff() : DIFF, type: 'text/plain; charset=utf-8' };
    return { status: 200, body: pull(base, web, n, true) };
  }
  if (path === '/search/repositories') return { search: [repo(base, web, 'octocat', 'Hello-World'), repo(base, web, 'octo-org', 'docs', { description: null, language: null, topics: [] })] };
  // A search for `is:long` finds 1000 issues with 60 KB bodies (4.1 MB in a page of 68).
  if (path === '/search/issues' && /\bis:long\b/.test(q.get('q') ?? '')) return { search: (LONG_ISSUES ??= Array.from({ length: 1000 }, (_, i) => ({ ...issue(base, web, 1), number: 100 + i, body: 'Long text. '.repeat(5_455) }))) };
  if (path === '/search/issues') return { search: [1, 2, 4].map((n) => issue(base, web, n)) };
  if (path === '/search/code') {
    if (!authorized) return { status: 401, body: { message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest/search/search#search-code', status: '401' } };
    return { search: ['src/main.rs', 'README.md'].map((p) => ({ name: p.split('/').pop(), path: p, sha: sha(p), url: '', git_url: '', html_url: `${web}/octocat/Hello-World/blob/master/${p}`, repository: repo(base, web, 'octocat', 'Hello-World'), score: 1 })) };
  }
  if ((m = path.match(/^\/users\/([^/]+)$/))) {
    const login = m[1].toLowerCase();
    if (login === 'octocat') return { status: 200, body: { ...user(web, 'octocat'), name: 'The Octocat', company: '@github', blog: 'https://github.blog', location: 'San Francisco', email: null, bio: null, public_repos: 8, followers: 9000, following: 9, created_at: '2011-01-25T18:44:36Z' } };
    if (login === 'github') return { status: 200, body: { ...user(web, 'github', 9919, 'Organization'), name: 'GitHub', company: null, blog: 'https://github.com/about', location: 'San Francisco', email: null, bio: 'How people build software.', public_repos: 500, followers: 40000, following: 0, created_at: '2008-05-11T04:37:31Z' } };
    return undefined;
  }
  if (path === '/user/repos') {
    if (!authorized) return { status: 401, body: { message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest/repos/repos#list-repositories-for-the-authenticated-user', status: '401' } };
    return { list: [repo(base, web, 'octocat', 'Hello-World'), repo(base, web, 'octocat', 'Spoon-Knife'), repo(base, web, 'octo-org', 'docs')] };
  }
  return undefined;
}
