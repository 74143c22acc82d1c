import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tempHome } from '../helpers/temp-home.js';

const CLI_MAIN = new URL('../../src-main/cli/main.js', import.meta.url).href;

test('`attest serve --json` prints its address, serves only with the token, and stops cleanly on Ctrl-C', async () => {
  const home = tempHome('attest-serve-cli');
  const child = spawn(
    process.execPath,
    [
      '-e',
      `import(${JSON.stringify(CLI_MAIN)}).then(m => m.main(process.argv.slice(1))).then(c => process.exit(c))`,
      '--',
      '--home',
      home.dir,
      'serve',
      '--json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: fileURLToPath(new URL('.', import.meta.url)) },
  );
  try {
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        const line = stdout.split('\n').find((l) => l.startsWith('{'));
        if (line !== undefined) resolve((JSON.parse(line) as { url: string }).url);
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });
    const parsed = new URL(url);
    assert.equal(parsed.hostname, '127.0.0.1');
    assert.notEqual(parsed.port, '');
    const token = parsed.searchParams.get('token') ?? '';
    assert.equal((await fetch(`${parsed.origin}/api/health`)).status, 403);
    const health = await fetch(`${parsed.origin}/api/health?token=${token}`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { ok: boolean }).ok, true);
    assert.match(stderr, /only this machine can reach it/);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    const code = await exited;
    assert.ok(code === 0 || code === 130, `exit code ${code}`);
    await assert.rejects(fetch(`${parsed.origin}/api/health?token=${token}`));
  } finally {
    child.kill('SIGKILL');
    home.cleanup();
  }
});
