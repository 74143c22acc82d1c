import { readFileSync } from 'node:fs';
import type { Command } from '../command.js';
import { startServer } from '../../server/serve.js';
import { redisConnection } from '../../server/queue/redis-connection.js';
import { postgresAddress } from '../../core/store/postgres/sync-postgres.js';
import { readSiteConfig } from '../site-config.js';

export const siteServeCommand: Command = {
  path: ['site', 'serve'],
  usage:
    'site serve --config FILE.json | --store postgres://... --queue redis://HOST:PORT [--artifacts DIR] [--host ADDRESS] [--port 8443] [--tls-cert FILE --tls-key FILE | --insecure-no-tls] [--session-hours 12] [--idle-minutes 15] [--json]',
  summary:
    "Site mode (preview): serve the Attest UI and actions to the site's users from the PostgreSQL site store, jobs on the Redis queue for `attest worker`; over TLS (HTTPS) unless on 127.0.0.1; every request signed in and authorized by role",
  booleanFlags: ['insecure-no-tls'],
  async run({ options, out, signal, home, store }) {
    const config = readSiteConfig(options, store, home, true);
    options.rejectUnknown();
    redisConnection(config.queue);
    const running = await startServer({
      ...(config.home !== undefined ? { home: config.home } : {}),
      queue: config.queue,
      store: config.store,
      ...(config.artifacts !== undefined ? { artifacts: config.artifacts } : {}),
      port: config.port,
      site: {
        host: config.host,
        session: config.session,
        ...(config.tls !== undefined
          ? { tls: { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } }
          : {}),
      },
    });
    out.log(
      `Attest site served at ${running.url} (store ${postgresAddress(config.store)}; ` +
        `${config.tls !== undefined ? 'TLS' : 'no TLS'}); press Ctrl-C to stop`,
    );
    if (out.json) process.stdout.write(`${JSON.stringify({ url: running.url, port: running.port })}\n`);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await running.close();
  },
};
