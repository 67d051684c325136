#!/usr/bin/env node
// Stand-in for a person's browser, for clients that open one (mcp-remote, via $BROWSER):
// signs in through the consent page, then opens the client's own callback URL.
// Usage: BROWSER=tests/e2e/fake-browser.mjs <client>; logs to $FAKE_BROWSER_LOG if set.
import fs from 'node:fs';
import { signIn } from './browser.mjs';

const url = process.argv[2];
const log = (line) => process.env.FAKE_BROWSER_LOG && fs.appendFileSync(process.env.FAKE_BROWSER_LOG, `${new Date().toISOString()} ${line}\n`);
try {
  log(`open ${url}`);
  const result = await signIn(url);
  const final = result.url;
  if (!new URL(final).searchParams.has('iss')) throw new Error(`sign-in stopped at ${final} (${result.status}): ${result.html?.slice(0, 300)}`);
  log(`callback ${final}`);
  const r = await fetch(final, { signal: AbortSignal.timeout(15_000) });
  log(`callback answered ${r.status}`);
} catch (e) {
  log(`failed: ${e.stack ?? e}`);
  process.exit(1);
}
