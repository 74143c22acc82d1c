import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { badInput } from '../../core/errors.js';
import { loadPolicy } from '../../core/validate/policy.js';
import { POLICY_TEMPLATE_NAMES, policyTemplate } from '../../core/validate/policy-templates.js';

export const policyTemplateCommand: Command = {
  path: ['policy', 'template'],
  usage: `policy template ${POLICY_TEMPLATE_NAMES.join('|')} [> policy.json]`,
  summary:
    'Print acceptance criteria for a domain as a policy file to edit and pass to validate --policy (ECG after ANSI/AAMI EC57, mammography, inspection)',
  async run({ options, out }) {
    const name = options.positionals[0];
    options.rejectUnknown();
    if (name === undefined)
      throw badInput(`policy template needs a name: ${POLICY_TEMPLATE_NAMES.join(', ')}`);
    const template = policyTemplate(name);
    // The template itself is the one JSON object, with or without --json, so that it can be redirected to a file.
    out.result(template, () => JSON.stringify(template, null, 2));
  },
};

export const policyCheckCommand: Command = {
  path: ['policy', 'check'],
  usage: 'policy check FILE [--json]',
  summary: 'Check a policy file: exit 2 naming the unknown criterion or the bad value',
  async run({ options, out }) {
    const file = options.positionals[0];
    options.rejectUnknown();
    if (file === undefined) throw badInput('policy check needs the policy file');
    const policy = loadPolicy(resolve(file));
    out.result(
      { file: resolve(file), valid: true, policy },
      () => `${resolve(file)}: a valid policy with ${Object.keys(policy).length} entries`,
    );
  },
};
