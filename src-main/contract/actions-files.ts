import { z } from 'zod';

const path = z.string().max(4096);
const kind = z.enum(['file', 'folder', 'other']);

const folderListingSchema = z.object({
  path: z.string(),
  parent: z.string().nullable(),
  home: z.string(),
  roots: z.array(z.string()),
  entries: z.array(
    z.object({
      name: z.string(),
      path: z.string(),
      kind,
      size: z.number().nullable(),
      readable: z.boolean(),
    }),
  ),
  omitted: z.number(),
});
export type FolderListingView = z.infer<typeof folderListingSchema>;

const pathCheckSchema = z.object({
  path: z.string(),
  ok: z.boolean(),
  kind: z.enum(['file', 'folder', 'other', 'missing']),
  message: z.string(),
});
export type PathCheckView = z.infer<typeof pathCheckSchema>;

/**
 * The local disk for the path fields of the forms: `files.list` is the browser-mode picker (the desktop app
 * uses the system's dialog), `files.check` validates typed paths as they are typed. Both only read metadata.
 */
export const fileActions = {
  'files.list': {
    request: z.strictObject({ path: path.optional(), hidden: z.boolean().optional() }),
    response: folderListingSchema,
  },
  'files.check': {
    request: z.strictObject({
      paths: z.array(path).min(1).max(50),
      expect: z.enum(['file', 'folder', 'any']),
      extensions: z
        .array(z.string().regex(/^\.[A-Za-z0-9.]{1,12}$/))
        .max(20)
        .optional(),
    }),
    response: z.object({ checks: z.array(pathCheckSchema) }),
  },
} as const;
