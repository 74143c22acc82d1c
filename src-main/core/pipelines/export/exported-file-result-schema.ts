/*
 * The stored result of the jobs that write a file into the exports folder (report, model export, audit bundle):
 * the file's name, and its digest and size where the job measured them. The model export adds its file list
 * and the audit bundle its event count and key, kept as stored (loose).
 */
import { z } from 'zod';

export const exportedFileResultSchema = z.looseObject({
  name: z.string(),
  sha256: z.string().optional(),
  bytes: z.number().optional(),
});
export type StoredExportedFileResult = z.infer<typeof exportedFileResultSchema>;
