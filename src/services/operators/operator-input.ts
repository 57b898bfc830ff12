import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import { ROLES } from './permissions.ts';

/** Shared zod pieces for operator input: e-mails lower-cased, merchant scope as ids or "all". */
export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .transform((s) => s.toLowerCase())
  .pipe(z.email());

export const roleSchema = z.enum(ROLES);

/** null = all merchants; a list limits the operator to those (deduplicated). */
export const merchantScopeSchema = z
  .array(z.string().regex(/^mer_[A-Za-z0-9]{1,64}$/))
  .max(1000)
  .nullable()
  .transform((l) => (l === null ? null : [...new Set(l)].sort()));

export const newOperatorSchema = z.strictObject({
  email: emailSchema,
  name: z.string().trim().min(1).max(128),
  role: roleSchema,
  merchant_scope: merchantScopeSchema.default(null),
});
export type NewOperatorInput = z.input<typeof newOperatorSchema>;

export const updateOperatorSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(128).optional(),
    role: roleSchema.optional(),
    merchant_scope: merchantScopeSchema.optional(),
  })
  .refine((o) => Object.keys(o).length > 0, { message: 'nothing to change' });

/** zod failure → `invalid_input` with the per-field issues, never echoing values (passwords pass here). */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, code = 'invalid_request'): z.output<T> {
  const r = schema.safeParse(input ?? {});
  if (!r.success) {
    throw new AppError('invalid_input', code, 'The request is invalid.', {
      issues: r.error.issues.map((i) => ({ field: i.path.length ? `/${i.path.join('/')}` : '/', message: i.message, code: i.code })),
    });
  }
  return r.data;
}
