import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const ATTEST_BIN = fileURLToPath(new URL('../../../bin/attest.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

/** Runs the real `attest` command in a child process, as a user or a script would. */
export function runCli(
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    onStderr?: (text: string, kill: (signal: NodeJS.Signals) => void) => void;
  } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ATTEST_BIN, ...args], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onStderr?.(stderr, (signal) => child.kill(signal));
    });
    child.on('error', reject);
    child.on('close', (code) => {
      let json: Record<string, unknown> = {};
      if (args.includes('--json')) {
        try {
          json = JSON.parse(stdout) as Record<string, unknown>;
        } catch {
          json = { unparsable: stdout };
        }
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}
