/*
 * The stored result of a validation job (`validateModel`): the validation it stored (read by the validation's
 * own schema, `core/validate/validation-result-schema.ts`, each suite by its suite's schema) with the id that
 * refers to it and the number of metric rows written.
 */
import { z } from 'zod';
import { validationResultSchema } from '../../validate/validation-result-schema.js';

export const validateJobResultSchema = validationResultSchema.extend({
  validationId: z.string(),
  metricRows: z.number(),
});
export type StoredValidateJobResult = z.infer<typeof validateJobResultSchema>;
