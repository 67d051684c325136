// Small process helpers shared by the benchmark and the end-to-end tests. This module has no
// side effects when imported (the test harness's does: it wraps fetch and traps signals), so
// the benchmark can use it without measuring the harness.
import fs from 'node:fs';
import net from 'node:net';
import { once } from 'node:events';

/** A free TCP port on 127.0.0.1 (bound then released). */
export async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

/** The last `n` lines of a log file, or "(no log)". */
export function tail(file, n = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}
