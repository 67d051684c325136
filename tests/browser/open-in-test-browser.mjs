#!/usr/bin/env node
// The BROWSER program for mcp-remote in the browser suites: instead of opening a browser, it
// hands the URL to the test process (POST to $MCPW_BROWSER_HOOK_URL, a loopback listener),
// which opens it in the Chromium it drives. Logs to $MCPW_BROWSER_HOOK_LOG when set.
// It always exits 0: a failure must not make mcp-remote fall back to the system's browsers.
import fs from 'node:fs';

const url = process.argv[2];
const log = (line) => process.env.MCPW_BROWSER_HOOK_LOG && fs.appendFileSync(process.env.MCPW_BROWSER_HOOK_LOG, `${new Date().toISOString()} ${line}\n`);
try {
  log(`open ${url}`);
  const r = await fetch(process.env.MCPW_BROWSER_HOOK_URL, { method: 'POST', body: url ?? '', signal: AbortSignal.timeout(10_000) });
  log(`handed to the test: HTTP ${r.status}`);
} catch (e) {
  log(`failed: ${e.stack ?? e}`);
}
