import { z } from 'zod';

/**
 * Wire format between RemoteSigner and a signing service (HSM/KMS front):
 * `POST /v1/sign` with `Authorization: Bearer <token>` and `{ key_id, message }` (message in Base64),
 * answered by `{ key_id, signature }` (SHA256withRSA, Base64).
 */
export const SIGN_PATH = '/v1/sign';
export const MAX_MESSAGE_BYTES = 1024 * 1024;

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const signRequestSchema = z
  .object({
    key_id: z.string().regex(/^[0-9A-Za-z_]{1,64}$/),
    message: z.string().regex(base64).max(Math.ceil(MAX_MESSAGE_BYTES / 3) * 4),
  })
  .strict();

export const signResponseSchema = z.object({
  key_id: z.string(),
  signature: z.string().regex(base64).min(16).max(2048),
});

export type SignRequest = z.infer<typeof signRequestSchema>;
export type SignResponse = z.infer<typeof signResponseSchema>;
