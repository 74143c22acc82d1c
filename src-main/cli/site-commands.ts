import { readFileSync } from 'node:fs';
import { Options, type ParsedArgs } from './args.js';
import type { Output } from './output.js';
import { badInput } from '../core/errors.js';
import { siteUrlOrProblem } from '../core/util/site-url.js';
import { readSecret } from './cli-user.js';
import { SiteClient } from './site-client.js';
import type { JobView } from '../contract/jobs.js';

/**
 * `attest --site URL --user NAME COMMAND`: the commands that make sense against a shared site, run as the site's
 * actions (the site stores, queues and audits; this machine only asks). Everything else is refused by name,
 * because it would act on this machine's files or home instead of the site.
 */
export const SITE_COMMANDS = [
  'models list',
  'datasets list',
  'validations list',
  'audit verify',
  'validate',
  'sign',
] as const;

/** The password of a site account: ATTEST_SITE_PASSWORD, else a prompt (never a flag: it would show in `ps`). */
async function sitePassword(name: string): Promise<string> {
  const fromEnv = process.env['ATTEST_SITE_PASSWORD'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (process.stdin.isTTY !== true)
    throw badInput(`no password for site user "${name}": set ATTEST_SITE_PASSWORD or run on a terminal`);
  return readSecret(`Site password for ${name}: `);
}

function readCa(file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (error) {
    throw badInput(`--site-ca ${file}: cannot read the site certificate (${(error as Error).message})`);
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runSiteCommand(
  siteText: string,
  words: string[],
  parsed: ParsedArgs['options'],
  out: Output,
  signal: AbortSignal,
): Promise<number> {
  const site = siteUrlOrProblem(siteText, '--site');
  if (typeof site === 'string') throw badInput(site);
  const commandName = SITE_COMMANDS.find((name) => words.join(' ') === name);
  if (commandName === undefined)
    throw badInput(
      `"attest ${words.join(' ')}" does not run against a site (it works on this machine's files or home); ` +
        `with --site: ${SITE_COMMANDS.join(', ')}`,
    );
  const options = new Options({ positionals: [], options: parsed });
  const ca = readCa(options.string('site-ca'));
  const userName = options.string('user');
  if (userName === undefined)
    throw badInput('--site needs --user NAME: every request to a site is signed in');
  options.string('home');
  options.flag('json');
  const request = buildRequest(commandName, options);
  options.rejectUnknown();
  const client = new SiteClient(site, ca);
  const password = await sitePassword(userName);
  await client.signIn(userName, password);
  try {
    await request(client, out, password, signal);
  } finally {
    await client.signOut();
  }
  return 0;
}

type Request = (client: SiteClient, out: Output, password: string, signal: AbortSignal) => Promise<void>;

/** Reads the command's options before anything is sent, so a typo is refused without touching the site. */
function buildRequest(commandName: string, options: Options): Request {
  switch (commandName) {
    case 'models list':
    case 'datasets list':
    case 'validations list': {
      const what = commandName.split(' ')[0] as 'models' | 'datasets' | 'validations';
      return async (client, out) => {
        const value = (await client.call(`${what}.list`, {})) as Record<
          string,
          { id: string; name?: string }[]
        >;
        const rows = value[what] ?? [];
        out.result(value, () =>
          rows.length === 0 ? `no ${what}` : rows.map((r) => `${r.id}  ${r.name ?? ''}`.trimEnd()).join('\n'),
        );
      };
    }
    case 'audit verify':
      return async (client, out) => {
        const value = (await client.call('audit.verify', {})) as { ok?: boolean; events?: number };
        out.result(value, () => JSON.stringify(value, null, 2));
      };
    case 'sign': {
      const validationId = options.string('validation');
      const modelId = options.string('model');
      const meaning = options.requiredString('meaning');
      const reason = options.string('reason');
      if ((validationId === undefined) === (modelId === undefined))
        throw badInput('give exactly one of --validation ID or --model ID');
      return async (client, out, password) => {
        // The signature is its own act: the site checks the password again.
        const value = (await client.call('records.sign', {
          entityType: validationId !== undefined ? 'validation' : 'model',
          entityId: validationId ?? modelId,
          meaning,
          password,
          ...(reason !== undefined ? { reason } : {}),
        })) as { signature: { entityType: string; entityId: string; meaning: string; printedName: string } };
        const s = value.signature;
        out.result(value, () => `${s.entityType} ${s.entityId} signed "${s.meaning}" by ${s.printedName}`);
      };
    }
    default: {
      // validate: one job on the site's queue, followed until a worker finishes it.
      const spec = {
        kind: 'validate',
        modelId: options.requiredString('model'),
        datasetId: options.requiredString('dataset'),
        split: options.string('split') ?? 'test',
        suites: (options.string('suite') ?? 'clean').split(',').map((s) => s.trim()),
        ...(options.string('seed') !== undefined ? { seed: Number(options.string('seed')) } : {}),
      };
      return async (client, out, _password, signal) => {
        const { job } = (await client.call('jobs.start', spec)) as { job: JobView };
        out.log(`queued ${job.id} on ${job.title}`);
        let view = job;
        while (view.state === 'queued' || view.state === 'running') {
          if (signal.aborted) {
            await client.call('jobs.cancel', { jobId: job.id });
            throw badInput(`cancelled ${job.id} on the site`);
          }
          await delay(500);
          const { jobs } = (await client.call('jobs.list', {})) as { jobs: JobView[] };
          view = jobs.find((j) => j.id === job.id) ?? view;
        }
        if (view.state !== 'succeeded')
          throw badInput(`the site's job ${job.id} ${view.state}: ${view.error?.message ?? view.message}`);
        out.result({ job: view }, () => `${job.id} succeeded: ${view.message}`);
      };
    }
  }
}
