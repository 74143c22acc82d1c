import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs the CLI compiled beside this test (whatever the output folder), in a child process, with optional
 * standard input: the way a script pipes a password in.
 */
const MAIN = new URL('../../src-main/cli/main.js', import.meta.url).href;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

export function attest(
  args: string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '-e',
        `import(${JSON.stringify(MAIN)}).then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`,
        '--',
        ...args,
      ],
      {
        env: { ...process.env, ATTEST_PASSWORD: '', ATTEST_NEW_PASSWORD: '', ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.stdin.end(options.stdin ?? '');
    child.on('close', (code) => {
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        json = {};
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

export const HERE = fileURLToPath(new URL('.', import.meta.url));
