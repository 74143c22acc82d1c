import { spawn } from 'node:child_process';

/** The CLI compiled beside this test (dist/ or a private build folder), run in a child process as a user would. */
const MAIN = new URL('../../src-main/cli/main.js', import.meta.url).href;

export interface BuiltCliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

export function runBuiltCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<BuiltCliRun> {
  // Arguments travel in an environment variable: node would read a leading "inspect" as its debugger command.
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(JSON.parse(process.env.ATTEST_TEST_ARGS));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, ...env, ATTEST_TEST_ARGS: JSON.stringify(args) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        json = { unparsable: stdout };
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}
