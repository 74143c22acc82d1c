import type { Command } from '../command.js';
import { badInput } from '../../core/errors.js';
import { addComment, commentOnCurrentVersion, listComments } from '../../core/audit/comments.js';
import type { SignableType } from '../../core/audit/record-version.js';
import type { Options } from '../args.js';

function target(options: Options): { entityType: SignableType; entityId: string } {
  const validationId = options.string('validation');
  const modelId = options.string('model');
  if ((validationId === undefined) === (modelId === undefined))
    throw badInput('give exactly one of --validation ID or --model ID');
  return validationId !== undefined
    ? { entityType: 'validation', entityId: validationId }
    : { entityType: 'model', entityId: modelId as string };
}

export const commentCommand: Command = {
  path: ['comment'],
  usage: 'comment --validation ID|--model ID --text TEXT [--json]',
  summary:
    "Add a reviewer's comment to a validation or a model: kept in the audit trail with its author, time and the record version, printed in the report",
  async run({ options, out, workspace }) {
    const record = target(options);
    const text = options.requiredString('text');
    options.rejectUnknown();
    const comment = addComment(workspace(), { ...record, text });
    out.result(
      { comment },
      () => `comment added to ${comment.entityType} ${comment.entityId} by ${comment.actor}`,
    );
  },
};

export const commentsCommand: Command = {
  path: ['comments'],
  usage: 'comments --validation ID|--model ID [--json]',
  summary:
    'List the comments on a validation or a model, oldest first, with whether the record changed since',
  readOnly: true,
  async run({ options, out, workspace }) {
    const record = target(options);
    options.rejectUnknown();
    const db = workspace().db;
    const comments = listComments(db, [record.entityId]).map((c) => ({
      ...c,
      onCurrentVersion: commentOnCurrentVersion(db, c),
    }));
    out.result({ comments }, () =>
      comments.length === 0
        ? `no comment on ${record.entityType} ${record.entityId}`
        : comments
            .map(
              (c) =>
                `${c.at} ${c.actor}${c.onCurrentVersion ? '' : ' (on an earlier version of the record)'}:\n  ${c.text.replace(/\n/g, '\n  ')}`,
            )
            .join('\n'),
    );
  },
};
