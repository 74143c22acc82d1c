/**
 * Where CLI output goes: with --json, stdout carries exactly one JSON object and everything else goes to stderr;
 * without it, a human-readable summary goes to stdout. Progress always goes to stderr, as a bar on a terminal.
 */
export interface Output {
  json: boolean;
  result(value: unknown, human: () => string): void;
  log(message: string): void;
  progress(fraction: number, message: string): void;
  endProgress(): void;
}

export function createOutput(json: boolean): Output {
  const tty = process.stderr.isTTY === true;
  let lastLine = '';
  let lastPrinted = 0;
  return {
    json,
    result(value, human) {
      this.endProgress();
      if (json) process.stdout.write(`${JSON.stringify(value)}\n`);
      else process.stdout.write(`${human()}\n`);
    },
    log(message) {
      this.endProgress();
      process.stderr.write(`${message}\n`);
    },
    progress(fraction, message) {
      const percent = Math.max(0, Math.min(100, Math.round(fraction * 100)));
      if (tty) {
        const width = 24;
        const filled = Math.round((percent / 100) * width);
        const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}% ${message}`;
        const columns = process.stderr.columns ?? 100;
        process.stderr.write(
          `\r${line.slice(0, columns - 1).padEnd(Math.min(lastLine.length, columns - 1))}`,
        );
        lastLine = line;
        return;
      }
      // Not a terminal (a log file, CI): one line per change, at most one a second.
      const now = Date.now();
      if (message !== lastLine && now - lastPrinted >= 1000) {
        process.stderr.write(`${String(percent).padStart(3)}% ${message}\n`);
        lastLine = message;
        lastPrinted = now;
      }
    },
    endProgress() {
      if (tty && lastLine !== '') process.stderr.write('\n');
      lastLine = '';
    },
  };
}
