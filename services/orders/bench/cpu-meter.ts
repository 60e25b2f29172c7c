import { existsSync, readdirSync, readFileSync } from "node:fs";
import postgres from "postgres";

/** CpuSample is the CPU time (ms) each process had used when sampled, keyed by role and pid. */
export type CpuSample = ReadonlyMap<string, number>;

/** CpuMeterOptions say which processes to count and what to call them. */
export interface CpuMeterOptions {
  /** Names a child process of this one from its command line; undefined leaves it out. */
  readonly roleOf: (commandLine: string) => string | undefined;
  /** Postgres databases whose server processes to count, by name, with their role. */
  readonly databases: ReadonlyMap<string, string>;
  /** The Postgres server holding them; without it, no server process is counted. */
  readonly serverUrl: string | undefined;
}

/** CpuMeter samples the CPU time of this process, its children and their database sessions. */
export interface CpuMeter {
  sample(): Promise<CpuSample>;
  close(): Promise<void>;
}

// Linux reports process times in clock ticks of 10 ms (USER_HZ = 100).
const msPerTick = 10;
const hasProc = existsSync("/proc/self/stat");

/**
 * createCpuMeter counts CPU time (user + system) by role: this process
 * ("bench process"), its descendants named by `roleOf`, and the Postgres
 * backends serving `databases` (found in pg_stat_activity). Unlike calls
 * per second, CPU time per order hardly moves when other work shares the
 * machine, and it includes work done after a run (a consumer catching up).
 * Without /proc (not Linux), only this process is counted.
 */
export function createCpuMeter(options: CpuMeterOptions): CpuMeter {
  const sql = options.serverUrl ? postgres(options.serverUrl, { max: 1 }) : undefined;
  return {
    async sample() {
      const sample = new Map<string, number>();
      const own = process.cpuUsage();
      sample.set(`bench process\t${process.pid}`, (own.user + own.system) / 1000);
      if (!hasProc) return sample;
      for (const [pid, role] of children(options.roleOf)) sample.set(`${role}\t${pid}`, cpuMs(pid));
      if (sql) {
        const names = [...options.databases.keys()];
        const rows =
          await sql`select pid, datname from pg_stat_activity where datname = any(${names})`;
        for (const { pid, datname } of rows) {
          sample.set(`${options.databases.get(datname)}\t${pid}`, cpuMs(pid));
        }
      }
      return sample;
    },
    close: async () => {
      await sql?.end();
    },
  };
}

/**
 * cpuUsed is the CPU time (ms) each role used between two samples. A
 * process that started in between counts from zero; one that exited in
 * between is not counted (pooled connections live on, so this is rare).
 */
export function cpuUsed(before: CpuSample, after: CpuSample): Map<string, number> {
  const used = new Map<string, number>();
  for (const [key, ms] of after) {
    const role = key.slice(0, key.indexOf("\t"));
    used.set(role, (used.get(role) ?? 0) + ms - (before.get(key) ?? 0));
  }
  return used;
}

function children(roleOf: CpuMeterOptions["roleOf"]): Map<number, string> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const fields = statFields(pid);
    if (fields) parents.set(pid, Number(fields[1]));
  }
  const found = new Map<number, string>();
  for (const pid of parents.keys()) {
    if (!descendsFromUs(pid, parents)) continue;
    const role = roleOf(read(`/proc/${pid}/cmdline`).replaceAll("\0", " "));
    if (role) found.set(pid, role);
  }
  return found;
}

function descendsFromUs(pid: number, parents: ReadonlyMap<number, number>): boolean {
  for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) {
    if (p === process.pid) return true;
  }
  return false;
}

// /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so
// fields are counted after its closing parenthesis (proc(5)).
function statFields(pid: number): string[] | undefined {
  const text = read(`/proc/${pid}/stat`);
  return text === "" ? undefined : text.slice(text.lastIndexOf(")") + 2).split(" ");
}

function cpuMs(pid: number): number {
  const fields = statFields(pid);
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after comm.
  return fields ? (Number(fields[11]) + Number(fields[12])) * msPerTick : 0;
}

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
