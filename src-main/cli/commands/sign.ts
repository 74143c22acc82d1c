import type { Command } from '../command.js';
import { badInput } from '../../core/errors.js';
import { parseMeaning, signRecord } from '../../core/audit/signatures.js';
import { cliCredentials } from '../cli-user.js';

export const signCommand: Command = {
  path: ['sign'],
  usage:
    'sign --validation ID|--model ID --meaning reviewed|approved|rejected --user NAME [--reason TEXT] [--json]',
  summary:
    'Sign a validation or a model as a reviewer: binds the SHA-256 of that record version, printed name, meaning and UTC time',
  async run({ options, out, workspace }) {
    const validationId = options.string('validation');
    const modelId = options.string('model');
    const meaning = parseMeaning(options.requiredString('meaning'));
    const reason = options.string('reason');
    options.rejectUnknown();
    if ((validationId === undefined) === (modelId === undefined))
      throw badInput('give exactly one of --validation ID or --model ID');
    const credentials = cliCredentials();
    if (credentials === undefined)
      throw badInput(
        'signing needs the signer: attest --user NAME sign ... (password from ATTEST_PASSWORD or standard input)',
      );
    const signature = signRecord(workspace(), {
      entityType: validationId !== undefined ? 'validation' : 'model',
      entityId: (validationId ?? modelId) as string,
      meaning,
      userName: credentials.user.name,
      password: credentials.password,
      ...(reason !== undefined ? { reason } : {}),
    });
    if (signature.checkpointWarning !== null) out.log(`attest: ${signature.checkpointWarning}`);
    out.result({ signature }, () =>
      [
        `${signature.entityType} ${signature.entityId} signed "${signature.meaning}"`,
        `  by ${signature.printedName} (${signature.userName}, ${signature.role}) at ${signature.signedAt} UTC`,
        `  record SHA-256 ${signature.recordSha256}`,
      ].join('\n'),
    );
  },
};
