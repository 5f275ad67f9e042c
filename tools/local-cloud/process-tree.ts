/**
 * The processes of a function instance, read from Linux's /proc: the instance's descendants (walked by parent PID),
 * their resident memory, and the processes that carry the instance's marker in their environment (a detached
 * grandchild whose parent has exited is re-parented away from the instance, but keeps the environment it inherited).
 * Every PID is remembered with its start time, so a PID the kernel has reused is never signalled. Without /proc
 * (not Linux) every reading is empty: only the instance's own process and process group are ended.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** A process as first seen: its PID and its start time (clock ticks since boot), which together name it. */
export interface Seen {
  pid: number;
  start: string;
}

interface Stat {
  ppid: number;
  start: string;
}

function stat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  } catch {
    return undefined; // ended, or not ours to read
  }
  // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  if (fields[0] === 'Z') return undefined;
  return { ppid: Number(fields[1]), start: fields[19] ?? '' };
}

function pids(): number[] {
  try {
    return readdirSync('/proc').flatMap((entry) => (/^\d+$/.test(entry) ? [Number(entry)] : []));
  } catch {
    return [];
  }
}

/** The live descendants of `root` (not `root` itself). */
export function descendants(root: number): Seen[] {
  const children = new Map<number, Seen[]>();
  for (const pid of pids()) {
    const s = stat(pid);
    if (s === undefined) continue;
    const list = children.get(s.ppid) ?? [];
    list.push({ pid, start: s.start });
    children.set(s.ppid, list);
  }
  const out: Seen[] = [];
  const queue = [root];
  for (let at = queue.shift(); at !== undefined; at = queue.shift()) {
    for (const child of children.get(at) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** True while the process seen is the same live process. */
export function stillRunning(seen: Seen): boolean {
  return stat(seen.pid)?.start === seen.start;
}

/** The processes whose environment holds `name=value` (only our own processes are readable). */
export function marked(name: string, value: string): Seen[] {
  const needle = Buffer.from(`\0${name}=${value}\0`);
  const out: Seen[] = [];
  for (const pid of pids()) {
    let environ: Buffer;
    try {
      environ = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${String(pid)}/environ`), Buffer.from([0])]);
    } catch {
      continue;
    }
    if (!environ.includes(needle)) continue;
    const s = stat(pid);
    if (s !== undefined) out.push({ pid, start: s.start });
  }
  return out;
}

/** Resident memory of a process in bytes (0 when it has ended). */
export function residentBytes(pid: number): number {
  let text: string;
  try {
    text = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  } catch {
    return 0;
  }
  const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text)?.[1];
  return kb === undefined ? 0 : Number(kb) * 1024;
}

/** SIGKILLs a process seen earlier, unless it ended (or its PID now names another process). */
export function killSeen(seen: Seen): void {
  if (!stillRunning(seen)) return;
  try {
    process.kill(seen.pid, 'SIGKILL');
  } catch {
    // it ended between the check and the signal: nothing to end
    return;
  }
}
