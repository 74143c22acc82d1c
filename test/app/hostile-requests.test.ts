import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempHome } from '../helpers/temp-home.js';
import { startServer, type RunningServer } from '../../src-main/server/serve.js';
import { appProtocolHandler } from '../../src-main/app/app-protocol.js';
import { APP_ORIGIN } from '../../src-main/app/constants.js';
import { jsonDepthExceeds, MAX_BODY_BYTES } from '../../src-main/server/request-body.js';
import { fakeRenderer } from './serve-helpers.js';

/**
 * Requests a hostile page or a script could send to `attest serve` and to the desktop app's app:// protocol:
 * each must get a clear 4xx answer, never a reset connection or a 500.
 */
function post(
  running: RunningServer,
  body: string,
  options: { chunked?: boolean } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${running.token}`,
      Host: `127.0.0.1:${running.port}`,
    };
    if (options.chunked !== true) headers['Content-Length'] = String(Buffer.byteLength(body));
    const req = httpRequest(
      { host: '127.0.0.1', port: running.port, path: '/api/call/engine.info', method: 'POST', headers },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    if (options.chunked === true) {
      // Sent in pieces without a declared length: the limit must hold on what arrives, not on the header.
      const piece = body.slice(0, 64 * 1024);
      for (let sent = 0; sent < body.length; sent += piece.length) req.write(piece);
      req.end();
    } else req.end(body);
  });
}

function get(running: RunningServer, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: running.port,
        path,
        headers: { Authorization: `Bearer ${running.token}`, Host: `127.0.0.1:${running.port}` },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('attest serve answers an oversized body 413, deep nesting 400 and malformed percent-encoding 400', async () => {
  const home = tempHome('attest-hostile');
  const running = await startServer({ home: home.dir, rendererDir: fakeRenderer(home.dir) });
  try {
    const twoMegabytes = `{"x":"${'a'.repeat(2 * 1024 * 1024)}"}`;
    assert.ok(twoMegabytes.length > MAX_BODY_BYTES);
    const declared = await post(running, twoMegabytes);
    assert.equal(declared.status, 413, declared.body);
    assert.match(declared.body, /larger than 1000000 bytes/);
    const chunked = await post(running, twoMegabytes, { chunked: true });
    assert.equal(chunked.status, 413, chunked.body);

    const nested = await post(running, `${'['.repeat(50_000)}${']'.repeat(50_000)}`);
    assert.equal(nested.status, 400, nested.body);
    assert.match(nested.body, /nests deeper than 64 levels/);
    const notJson = await post(running, '{"a":');
    assert.equal(notJson.status, 400);

    for (const path of ['/api/exports/%E0%A4%A.html', '/assets/%zz.js', '/%']) {
      const res = await get(running, path);
      assert.equal(res.status, 400, path);
      assert.match(res.body, /malformed percent-encoding/);
    }
    // The server still answers properly afterwards: nothing above took it down.
    const fine = await post(running, '{}');
    assert.equal(fine.status, 200, fine.body);
    assert.equal((JSON.parse(fine.body) as { ok: boolean }).ok, true);
  } finally {
    await running.close();
    home.cleanup();
  }
});

test('the app:// protocol answers malformed percent-encoding 400 and still serves exports by name', () => {
  const home = tempHome('attest-protocol');
  try {
    const renderer = fakeRenderer(home.dir);
    mkdirSync(join(home.dir, 'exports'), { recursive: true });
    writeFileSync(join(home.dir, 'exports', 'report a.html'), '<p>report</p>');
    const handle = appProtocolHandler(renderer, home.dir);
    for (const path of ['/exports/%E0%A4%A.html', '/assets/%zz.js']) {
      const response = handle(new Request(`${APP_ORIGIN}${path}`));
      assert.equal(response.status, 400, path);
    }
    assert.equal(
      handle(new Request(`${APP_ORIGIN}/exports/report%20a.html`)).status,
      404,
      'not an export name',
    );
    writeFileSync(join(home.dir, 'exports', 'report-a.html'), '<p>report</p>');
    assert.equal(handle(new Request(`${APP_ORIGIN}/exports/report-a.html`)).status, 200);
    assert.equal(handle(new Request(`${APP_ORIGIN}/index.html`)).status, 200);
  } finally {
    home.cleanup();
  }
});

test('nesting depth is counted outside strings only', () => {
  assert.equal(jsonDepthExceeds('[[["]]]]]]]]"]]]', 3), false);
  assert.equal(jsonDepthExceeds('{"a":"\\"[[[[["}', 2), false);
  assert.equal(jsonDepthExceeds('[[[[]]]]', 3), true);
  assert.equal(jsonDepthExceeds('[[[]]]', 3), false);
});
