// Gives build/index.js a plain module entry point: `export default { fetch }`.
//
// worker-build 0.8 exports the Worker's entry as a `WorkerEntrypoint` subclass behind a
// Proxy. For every request workerd constructs it through the Proxy's `construct` trap, which
// wraps the instance in a second Proxy, whose `get` trap wraps `fetch` in a third Proxy with
// an `async apply` trap. In a profile of /healthz that was 18% of the request (docs in
// README, Benchmarks). What the wrapping is for is kept: before each request the Wasm
// instance is reset if an earlier one trapped (the shim's `checkReinitialize`), and a trap
// marks the instance for that reset (`handleMaybeCritical`). The Durable Object classes keep
// worker-build's Proxies: their instances hold pointers into the Wasm instance, and the
// Proxy rebuilds them after a reset.
//
// The build is minified, so the names are found by the shapes worker-build 0.8.7 writes;
// if one is missing this fails, saying so, rather than deploy an untested entry.
// Usage: node scripts/lib/entry.mjs build/index.js
import fs from 'node:fs';

const file = process.argv[2];
let code = fs.readFileSync(file, 'utf8');
if (code.includes('__mcpwEntry as default')) process.exit(0); // patched already

function find(what, pattern) {
  const match = code.match(pattern);
  if (!match) {
    console.error(`scripts/lib/entry.mjs: ${file} has no ${what} of the shape worker-build 0.8.7 writes; ` +
      'check its shim (src/js/shim.js in the worker-build crate) and update this script.');
    process.exit(1);
  }
  return match;
}

// Entrypoint.prototype.fetch = function fetch(arg) { return exports.fetch.call(this, arg, this.env, this.ctx) }
const fetchExport = find('fetch handler',
  /[\w$]+\.prototype\.fetch=function(?: [\w$]+)?\(([\w$]+)\)\{return ([\w$]+)\.call\(this,\1,this\.env,this\.ctx\)\}/)[2];
const [, reinitialize] = find('checkReinitialize', /function ([\w$]+)\(\)\{[\w$]+\.criticalError&&\(console\.log\("Reinitializing Wasm application"\)/);
const [, markCritical] = find('handleMaybeCritical', /function ([\w$]+)\(([\w$]+)\)\{\2 instanceof WebAssembly\.RuntimeError/);
const [exportList, exported, defaultName] = find('export list with a default', /export\{([^}]*?)([\w$]+) as default\}/);

const entry = `var __mcpwEntry={async fetch(r,e,c){${reinitialize}();try{return await ${fetchExport}(r,e,c)}catch(x){${markCritical}(x);throw x}}};`;
code = code.replace(exportList, `${entry}export{${exported}__mcpwEntry as default}`);
if (!code.includes('__mcpwEntry as default')) {
  console.error(`scripts/lib/entry.mjs: could not replace the default export of ${file} (was ${defaultName})`);
  process.exit(1);
}
fs.writeFileSync(file, code);
