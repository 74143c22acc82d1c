import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { PDFDocument } from 'pdf-lib';
import { badInput } from '../errors.js';
import type { SignedCheckpoint } from './checkpoint.js';

/** What precedes the checkpoint's JSON in a PDF report's subject (written by report/pdf-report.ts). */
export const PDF_CHECKPOINT_PREFIX = 'attest-checkpoint ';

/** The embedded checkpoint of an HTML report (see model-report.ts). */
const REPORT_CHECKPOINT = /<script type="application\/json" id="attest-checkpoint">([^<]*)<\/script>/;

/**
 * A signed checkpoint that left the database, read back for `attest audit prove --since`: a checkpoint.json,
 * a witness file, an audit bundle (its checkpoint.json), an HTML report (its embedded checkpoint) or a PDF
 * report (its subject).
 */
export async function readCarriedCheckpoint(path: string): Promise<SignedCheckpoint> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw badInput(`cannot read the checkpoint: ${(error as Error).message}`, path);
  }
  let value: unknown;
  try {
    value = JSON.parse(await checkpointText(bytes, path)) as unknown;
  } catch (error) {
    if ((error as { code?: string }).code === 'BAD_INPUT') throw error;
    throw badInput(`cannot read the checkpoint: ${(error as Error).message}`, path);
  }
  const witnessed =
    (value as { format?: unknown; checkpoint?: unknown } | null)?.format === 'attest-witness/1';
  const cp = (witnessed ? (value as { checkpoint: unknown }).checkpoint : value) as Partial<SignedCheckpoint>;
  if (
    cp?.format !== 'attest-checkpoint/1' ||
    !Number.isInteger(cp.treeSize) ||
    typeof cp.rootHash !== 'string' ||
    typeof cp.signature !== 'string' ||
    typeof cp.keyId !== 'string'
  )
    throw badInput(
      'not an Attest checkpoint (a checkpoint.json, a witness file, an audit bundle or a report)',
      path,
    );
  return cp as SignedCheckpoint;
}

async function checkpointText(bytes: Buffer, path: string): Promise<string> {
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') {
    const subject = (await PDFDocument.load(bytes, { updateMetadata: false })).getSubject() ?? '';
    if (!subject.startsWith(PDF_CHECKPOINT_PREFIX))
      throw badInput(
        'this PDF carries no signed checkpoint: not an Attest report, or one from before checkpoints',
        path,
      );
    return subject.slice(PDF_CHECKPOINT_PREFIX.length);
  }
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    const entries = unzipSync(bytes, { filter: (file) => file.name === 'checkpoint.json' });
    const entry = entries['checkpoint.json'];
    if (entry === undefined)
      throw badInput('the zip file holds no checkpoint.json: not an audit bundle', path);
    return Buffer.from(entry).toString('utf8');
  }
  const text = bytes.toString('utf8');
  if (/^\s*</.test(text)) {
    const match = REPORT_CHECKPOINT.exec(text);
    if (match === null)
      throw badInput(
        'this HTML file carries no signed checkpoint: not an Attest report, or one from before checkpoints',
        path,
      );
    return match[1] ?? '';
  }
  return text;
}
