import type { z } from 'zod';
import { WechatPayInputError } from './errors.ts';

/** Validates an outgoing request with zod; the first problem becomes a WechatPayInputError naming the field. */
export function checkInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = `/${issue.path.map(String).join('/')}`;
  throw new WechatPayInputError(field, `${field}: ${issue.message}`);
}

/** Path segments are percent-encoded so the signed canonical URL is byte-identical to the one sent. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
