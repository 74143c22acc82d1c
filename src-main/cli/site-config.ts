import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { badInput } from '../core/errors.js';
import { isLoopback } from '../core/util/site-url.js';
import { describeIssues } from '../contract/index.js';
import type { Options } from './args.js';
import { checkPostgresUrl } from './site-store.js';

/*
 * The set-up of a site, read by `attest site serve` and `attest worker`: one JSON file the site's administrator
 * keeps beside the services, where the command-line flags and the environment (ATTEST_DATABASE_URL,
 * ATTEST_QUEUE_URL) override what it says. Paths in the file are taken relative to the file's own folder.
 */

const configSchema = z.strictObject({
  /** The site store: postgres://USER@HOST:PORT/DATABASE. */
  store: z.string().min(1).optional(),
  /** The job queue: redis://HOST:PORT. */
  queue: z.string().min(1).optional(),
  /** The home with the site's signing key (from `attest site init`), and the checkpoint witness. */
  home: z.string().min(1).optional(),
  /** The shared, content-addressed artifacts folder every server and worker reaches. */
  artifacts: z.string().min(1).optional(),
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
  /** Longest a session lasts after sign-in, and without use. */
  sessionHours: z
    .number()
    .min(0.01)
    .max(24 * 30)
    .optional(),
  idleMinutes: z
    .number()
    .min(1)
    .max(24 * 60)
    .optional(),
});

export interface SiteConfig {
  store: string;
  queue: string;
  home: string | undefined;
  artifacts: string | undefined;
  host: string;
  port: number;
  tls: { cert: string; key: string } | undefined;
  insecureNoTls: boolean;
  session: { maxHours: number; idleMinutes: number };
}

/** Reads the file named by --config (if any); a file that is not the site's set-up is refused by name. */
function readConfigFile(path: string): z.infer<typeof configSchema> {
  if (!existsSync(path)) throw badInput('no such site configuration file', path);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw badInput(`not a JSON site configuration (${(error as Error).message})`, path);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw badInput(`not a site configuration: ${describeIssues(parsed.error)}`, path);
  return parsed.data;
}

/**
 * The site's set-up from --config FILE, overridden by flags and the environment. `serving`: the server's own
 * settings are read and checked too (listening address, TLS, sessions); a worker needs only store and queue.
 */
export function readSiteConfig(
  options: Options,
  store: string | undefined,
  home: string | undefined,
  serving: boolean,
): SiteConfig {
  const path = options.string('config');
  const file = path !== undefined ? readConfigFile(path) : {};
  const base = path !== undefined ? dirname(resolve(path)) : process.cwd();
  const place = (value: string | undefined): string | undefined =>
    value === undefined ? undefined : isAbsolute(value) ? value : resolve(base, value);
  const where = path !== undefined ? `${path} or ` : '';
  const queue = options.string('queue') ?? nonEmpty(process.env['ATTEST_QUEUE_URL']) ?? file.queue;
  const storeUrl = store ?? file.store;
  if (storeUrl === undefined)
    throw badInput(`give the site store (postgres://...) in ${where}--store or ATTEST_DATABASE_URL`);
  checkPostgresUrl(storeUrl, path !== undefined && store === undefined ? `${path}: store` : '--store');
  if (queue === undefined)
    throw badInput(`give the job queue (redis://HOST:PORT) in ${where}--queue or ATTEST_QUEUE_URL`);
  const artifacts = place(options.string('artifacts') ?? file.artifacts);
  const config: SiteConfig = {
    store: storeUrl,
    queue,
    home: home ?? place(file.home),
    artifacts,
    host: '127.0.0.1',
    port: 0,
    tls: undefined,
    insecureNoTls: false,
    session: { maxHours: 12, idleMinutes: 15 },
  };
  if (!serving) return config;
  config.host = options.string('host') ?? file.host ?? '127.0.0.1';
  config.port = options.number('port', { min: 0, max: 65535, integer: true }) ?? file.port ?? 8443;
  const cert = place(options.string('tls-cert') ?? file.tlsCert);
  const key = place(options.string('tls-key') ?? file.tlsKey);
  if ((cert === undefined) !== (key === undefined))
    throw badInput('give both the TLS certificate (tlsCert / --tls-cert) and its key (tlsKey / --tls-key)');
  for (const file of [cert, key])
    if (file !== undefined && !existsSync(file)) throw badInput('no such TLS file', file);
  config.tls = cert !== undefined && key !== undefined ? { cert, key } : undefined;
  config.insecureNoTls = options.flag('insecure-no-tls');
  // Passwords and session tokens cross the network: in the clear only where nobody else can listen.
  if (config.tls === undefined && !isLoopback(config.host) && !config.insecureNoTls)
    throw badInput(
      `refusing to serve ${config.host} without TLS: give tlsCert and tlsKey (or --tls-cert/--tls-key), ` +
        'listen on 127.0.0.1, or say --insecure-no-tls explicitly',
    );
  config.session = {
    maxHours: options.number('session-hours', { min: 0.01, max: 720 }) ?? file.sessionHours ?? 12,
    idleMinutes: options.number('idle-minutes', { min: 1, max: 1440 }) ?? file.idleMinutes ?? 15,
  };
  return config;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
