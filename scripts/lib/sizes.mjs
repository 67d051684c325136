// Measures what the Worker sends a model, in bytes: the `tools/list` result (all tools, and
// each toolset alone), and the result of one call of every tool against the fake GitHub's
// octocat/Hello-World fixtures. Run it through scripts/sizes, which builds first.
//
// Bytes are those of the JSON-RPC `result` serialised compactly, as the Worker sends it (a
// 2025-11-25 session; 2026-07-28 adds `"resultType":"complete"`, 25 bytes, to each). `text`
// is the size of the text content blocks alone: what a client that shows only `content`
// gives its model. `_meta` is the size of the result's labels (issue 9 added them), counted
// in `bytes` too.
//
// Options: --json PATH (write the figures), --baseline PATH (compare with figures written
// earlier; default docs/sizes-baseline.json when it exists), --check (exit 1 unless
// tools/list is at most 60% and the median text block at most 70% of the baseline).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, rawSession, startFakeGitHub, startWorker, workerVars } from '../../tests/e2e/harness.mjs';

const REPO = { owner: 'octocat', repo: 'Hello-World' };
export const TOOLSETS = ['repos', 'issues', 'pulls', 'search', 'users'];

/** One call of every tool, with the arguments the README's examples use. */
export const CALLS = [
  ['getGithubRepository', REPO],
  ['getGithubReadme', { repositoryUrl: 'octocat/Hello-World' }],
  ['getGithubFileContents', { ...REPO, path: 'src/main.rs' }],
  ['listGithubDirectory', REPO],
  ['listGithubCommits', REPO],
  ['getGithubCommit', { ...REPO, ref: 'master' }],
  ['listGithubBranches', REPO],
  ['listGithubTags', REPO],
  ['listGithubReleases', REPO],
  ['getGithubLatestRelease', REPO],
  ['listGithubIssues', { ...REPO, state: 'all' }],
  ['getGithubIssue', { ...REPO, number: 1 }],
  ['searchGithubIssues', { query: 'repo:octocat/Hello-World is:issue' }],
  ['listGithubPullRequests', REPO],
  ['getGithubPullRequest', { ...REPO, number: 4 }],
  ['getGithubPullRequestDiff', { ...REPO, number: 4 }],
  ['searchGithubRepositories', { query: 'hello' }],
  ['searchGithubCode', { query: 'println repo:octocat/Hello-World' }],
  ['getGithubUser', { username: 'octocat' }],
  ['whoami', {}],
];

const bytes = (value) => Buffer.byteLength(JSON.stringify(value), 'utf8');
const textBytes = (result) =>
  (result.content ?? []).filter((c) => c.type === 'text').reduce((n, c) => n + Buffer.byteLength(c.text, 'utf8'), 0);

/** tools/list bytes on a session of `mcpUrl` (sent `headers`). */
export async function toolsListBytes(mcpUrl, headers = {}) {
  const session = await rawSession(mcpUrl, headers);
  const r = await session.request('tools/list');
  return { bytes: bytes(r.json.result), tools: r.json.result.tools.length };
}

/** Every figure, from one worker per toolset plus the full one. */
export async function measure({ log = () => {} } = {}) {
  const gh = await startFakeGitHub();
  const figures = { toolsList: {}, results: {} };
  try {
    const full = await startWorker({ name: 'sizes', vars: workerVars(gh, { authMode: 'none' }) });
    try {
      figures.toolsList.github = await toolsListBytes(full.mcpUrl);
      const session = await rawSession(full.mcpUrl);
      for (const [name, args] of CALLS) {
        const result = await session.call(name, args);
        if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result).slice(0, 300)}`);
        figures.results[name] = { bytes: bytes(result), text: textBytes(result), meta: result._meta ? bytes(result._meta) : 0 };
        log(`${name}: ${figures.results[name].bytes}`);
      }
    } finally {
      await full.stop();
    }
    for (const toolset of TOOLSETS) {
      const worker = await startWorker({ name: `sizes-${toolset}`, vars: workerVars(gh, { authMode: 'none', toolsets: toolset }) });
      try {
        figures.toolsList[toolset] = await toolsListBytes(worker.mcpUrl);
        log(`tools/list ${toolset}: ${figures.toolsList[toolset].bytes}`);
      } finally {
        await worker.stop();
      }
    }
  } finally {
    await gh.close();
  }
  return figures;
}

const pct = (now, before) => (before ? `${Math.round((100 * now) / before)}%` : '');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : 0;
};

/** The figures as Markdown tables, with the baseline beside them when there is one. */
export function report(now, before) {
  const lines = ['| tools/list | tools | bytes | before | now/before |', '|---|---|---|---|---|'];
  for (const [set, f] of Object.entries(now.toolsList)) {
    const b = before?.toolsList?.[set];
    lines.push(`| ${set === 'github' ? 'all (`github`)' : `\`${set}\``} | ${f.tools} | ${f.bytes} | ${b?.bytes ?? ''} | ${pct(f.bytes, b?.bytes)} |`);
  }
  lines.push('', '| Result of | bytes | before | now/before | of which `_meta` | text blocks | before | now/before |', '|---|---|---|---|---|---|---|---|');
  const ratios = [];
  const textRatios = [];
  let total = 0;
  let totalBefore = 0;
  let text = 0;
  let textBefore = 0;
  for (const [name, f] of Object.entries(now.results)) {
    const b = before?.results?.[name];
    if (b) {
      ratios.push(f.bytes / b.bytes);
      textRatios.push(f.text / b.text);
      total += f.bytes;
      totalBefore += b.bytes;
      text += f.text;
      textBefore += b.text;
    }
    lines.push(`| \`${name}\` | ${f.bytes} | ${b?.bytes ?? ''} | ${pct(f.bytes, b?.bytes)} | ${f.meta ?? ''} | ${f.text} | ${b?.text ?? ''} | ${pct(f.text, b?.text)} |`);
  }
  if (ratios.length) {
    lines.push(`| **all results** | ${total} | ${totalBefore} | ${pct(total, totalBefore)} | | ${text} | ${textBefore} | ${pct(text, textBefore)} |`);
    lines.push('', `Median result: ${Math.round(100 * median(ratios))}% of before; median text blocks: ${Math.round(100 * median(textRatios))}%.`);
  }
  return { text: lines.join('\n'), medianRatio: median(ratios), medianTextRatio: median(textRatios) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: opts } = parseArgs({
    options: { json: { type: 'string' }, baseline: { type: 'string' }, check: { type: 'boolean', default: false } },
  });
  const baselinePath = opts.baseline ?? path.join(REPO_ROOT, 'docs', 'sizes-baseline.json');
  const before = fs.existsSync(baselinePath) ? JSON.parse(fs.readFileSync(baselinePath, 'utf8')) : undefined;
  const now = await measure({ log: (l) => console.error(l) });
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(now, null, 2) + '\n');
  const { text, medianRatio, medianTextRatio } = report(now, before);
  console.log(text);
  if (opts.check) {
    const listRatio = now.toolsList.github.bytes / (before?.toolsList?.github?.bytes ?? Infinity);
    const ok = before && listRatio <= 0.6 && medianTextRatio <= 0.7;
    const figures = `tools/list ${Math.round(100 * listRatio)}%, median text block ${Math.round(100 * medianTextRatio)}%, median whole result ${Math.round(100 * medianRatio)}%`;
    console.log(ok ? `sizes: within the goals (${figures})` : `sizes: over the goals (${figures})`);
    process.exit(ok ? 0 : 1);
  }
  process.exit(0);
}
