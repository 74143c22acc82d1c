import { readFileSync } from 'node:fs';

/*
 * Whether a process id still belongs to the process that wrote it down. Process ids are reused: a job row or a
 * temporary file naming pid 4242 may outlive its process while an unrelated process takes the id. On Linux the
 * kernel says when each process started, so a process that started after the record was made is not its author.
 * Elsewhere only "some process has this id" can be told.
 */

/** Linux reports start times in clock ticks; USER_HZ is 100 on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

let bootTime: number | undefined | null = null;

function bootTimeMs(): number | undefined {
  if (bootTime === null) {
    try {
      const line = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))?.[1];
      bootTime = line !== undefined ? Number(line) * 1000 : undefined;
    } catch {
      bootTime = undefined;
    }
  }
  return bootTime;
}

/** When the process started (ms since 1970), or undefined where the system does not say (not Linux, gone). */
export function processStartedAt(pid: number): number | undefined {
  const boot = bootTimeMs();
  if (boot === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? boot + (ticks / TICKS_PER_SECOND) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when `pid` is alive and, where start times are known, started no later than `recordedAt` (ms since
 * 1970) give or take the boot time's one-second resolution: then it may be the process that made the record.
 */
export function isRecordingProcess(pid: number, recordedAt: number): boolean {
  if (!processIsAlive(pid)) return false;
  const started = processStartedAt(pid);
  return started === undefined || !Number.isFinite(recordedAt) || started <= recordedAt + 2000;
}
