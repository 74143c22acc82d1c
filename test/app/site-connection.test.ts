import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';
import {
  certificateIsPinned,
  pemFingerprint,
  readSiteConnection,
  SITE_SETTINGS_FILE,
} from '../../src-main/app/site-connection.js';

const TLS = join(REPO_ROOT, 'test', 'fixtures', 'tls');
const CERT = join(TLS, 'localhost-cert.pem');
const KEY = join(TLS, 'localhost-key.pem');

/** The DER bytes a real TLS server presents for the test certificate, as Chromium would see them. */
async function presentedDer(): Promise<Buffer> {
  const server = createServer({ cert: readFileSync(CERT), key: readFileSync(KEY) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<Buffer>((resolve, reject) => {
      const socket = connect(
        { host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false },
        () => {
          resolve(socket.getPeerCertificate().raw);
          socket.end();
        },
      );
      socket.on('error', reject);
    });
  } finally {
    server.close();
  }
}

test('the pinned fingerprint is the SHA-256 of the certificate a real TLS server presents', async () => {
  const der = await presentedDer();
  const presented = `sha256/${createHash('sha256').update(der).digest('base64')}`;
  assert.equal(pemFingerprint(readFileSync(CERT)), presented);
});

test('the site setting: absent means the local home; a valid one pins the certificate to the site host', () => {
  const home = tempHome('site-connection');
  try {
    assert.equal(readSiteConnection(home.dir), undefined);
    copyFileSync(CERT, join(home.dir, 'site.pem'));
    writeFileSync(
      join(home.dir, SITE_SETTINGS_FILE),
      JSON.stringify({ siteUrl: 'https://localhost:8443/ui', caFile: 'site.pem' }),
    );
    const connection = readSiteConnection(home.dir);
    assert.ok(connection !== undefined);
    assert.equal(connection.site.href, 'https://localhost:8443/');
    const fingerprint = pemFingerprint(readFileSync(CERT));
    assert.equal(certificateIsPinned(connection, { hostname: 'localhost', fingerprint }), true);
    assert.equal(certificateIsPinned(connection, { hostname: 'evil.example', fingerprint }), false);
    assert.equal(
      certificateIsPinned(connection, { hostname: 'localhost', fingerprint: 'sha256/AAAA' }),
      false,
    );
  } finally {
    home.cleanup();
  }
});

test('a wrong site setting names the file and the problem instead of falling back to the local home', () => {
  const home = tempHome('site-connection-bad');
  try {
    const file = join(home.dir, SITE_SETTINGS_FILE);
    const cases: [unknown, RegExp][] = [
      [{ siteUrl: 'http://qa.example.org', caFile: 'x.pem' }, /plain http to another machine/],
      [{ siteUrl: 'http://127.0.0.1:8443', caFile: 'x.pem' }, /must be https for the desktop app/],
      [{ siteUrl: 'https://qa.example.org', caFile: 'missing.pem' }, /missing\.pem cannot be read/],
      [{ siteUrl: 'https://qa.example.org', caFile: SITE_SETTINGS_FILE }, /is not a PEM certificate/],
      [{ siteUrl: 'https://qa.example.org', caFile: 'x.pem', password: 'p' }, /unknown setting "password"/],
      [[], /expected an object/],
    ];
    for (const [value, message] of cases) {
      writeFileSync(file, JSON.stringify(value));
      assert.throws(
        () => readSiteConnection(home.dir),
        (error: Error) => {
          assert.match(error.message, message);
          assert.ok(error.message.includes(file), error.message);
          return true;
        },
      );
    }
    writeFileSync(file, '{ not json');
    assert.throws(() => readSiteConnection(home.dir), /desktop-site\.json: not JSON/);
  } finally {
    home.cleanup();
  }
});
