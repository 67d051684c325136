// CPU time of the workerd processes under a `wrangler dev`, read from /proc (Linux only), for
// scripts/lib/compare.mjs: utime + stime of every `workerd` in the process tree under a pid.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let ticks = 100;
try {
  ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {}
/** Clock ticks per second (`getconf CLK_TCK`): the unit of /proc/<pid>/stat times. */
export const CLK_TCK = ticks;

/** /proc/<pid>/stat → {pid, comm, ppid, ticks (utime + stime)}, or null if the process is gone. */
export function readStat(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const comm = text.slice(open + 1, close);
  // After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
  const f = text.slice(close + 2).split(' ');
  return { pid: Number(pid), comm, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
}

/** Every live process under `root` (not `root` itself). */
export function descendants(root) {
  const children = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(name);
    if (!s) continue;
    if (!children.has(s.ppid)) children.set(s.ppid, []);
    children.get(s.ppid).push(s);
  }
  const out = [];
  const queue = [Number(root)];
  const seen = new Set(queue);
  while (queue.length) {
    for (const c of children.get(queue.shift()) ?? []) {
      if (seen.has(c.pid)) continue;
      seen.add(c.pid);
      out.push(c);
      queue.push(c.pid);
    }
  }
  return out;
}

/** The pids of the workerd processes under `root` (a `wrangler dev` process). */
export function workerdPids(root) {
  return descendants(root).filter((p) => p.comm === 'workerd').map((p) => p.pid);
}

/** CPU seconds (user + system) used so far by `pids` (processes that are gone count 0). */
export function cpuSeconds(pids) {
  let t = 0;
  for (const pid of pids) t += readStat(pid)?.ticks ?? 0;
  return t / CLK_TCK;
}

/** Ticks per live pid of `pids`, for {@link cpuSecondsSince}. */
export function cpuSnapshot(pids) {
  const m = new Map();
  for (const pid of pids) {
    const s = readStat(pid);
    if (s) m.set(pid, s.ticks);
  }
  return m;
}

/**
 * CPU seconds used since `before` (a {@link cpuSnapshot}) by the processes alive at both ends;
 * `restarted` when one of them went away meanwhile (`wrangler dev` restarts workerd when a file it
 * watches changes, e.g. an edit under src/), which makes the figure an undercount.
 */
export function cpuSecondsSince(before) {
  let t = 0;
  let restarted = false;
  for (const [pid, ticks0] of before) {
    const s = readStat(pid);
    if (!s) {
      restarted = true;
      continue;
    }
    t += s.ticks - ticks0;
  }
  return { seconds: t / CLK_TCK, restarted };
}
