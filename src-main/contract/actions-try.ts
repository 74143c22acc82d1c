import { z } from 'zod';

const id = z.string().min(1).max(100);

/**
 * An image sent with the request (a browser cannot give a file's path): its bytes stay below what one request
 * carries once in base64 (the server reads at most 1 MB per request). A bigger file is refused by name before it
 * is sent, and can be given by its path instead.
 */
export const MAX_UPLOADED_IMAGE_BYTES = 700_000;

const explanationSchema = z.object({
  file: z.string(),
  format: z.string(),
  source: z.object({ width: z.number(), height: z.number(), channels: z.number() }),
  preprocessing: z.string(),
  predicted: z.string(),
  probabilities: z.array(z.object({ label: z.string(), probability: z.number() })),
  sampleShape: z.array(z.number()),
  png: z.string().regex(/^data:image\/png;base64,[A-Za-z0-9+/=]+$/),
  attribution: z.array(z.number()).nullable(),
  completenessError: z.number().nullable(),
  attributionNote: z.string().optional(),
});
export type ImageTryView = z.infer<typeof explanationSchema>;

/** "Try it" with a file of one's own: the model's answer on an image, and what drove it. */
export const tryActions = {
  'models.tryImage': {
    request: z
      .strictObject({
        modelId: id,
        /** A file on the computer that runs the engine (the desktop app, or a path typed in browser mode). */
        path: z.string().min(1).max(4096).optional(),
        /** The file's bytes, from a drop or a file picker in the page. */
        upload: z
          .strictObject({
            name: z.string().min(1).max(255),
            base64: z
              .string()
              .max(Math.ceil(MAX_UPLOADED_IMAGE_BYTES / 3) * 4)
              .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'the upload is not base64'),
          })
          .optional(),
      })
      .refine((r) => (r.path === undefined) !== (r.upload === undefined), 'give either a path or an upload'),
    response: explanationSchema,
  },
} as const;
