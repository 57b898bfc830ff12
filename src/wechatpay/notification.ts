import { z } from 'zod';
import { AEAD_ALGORITHM, openResourceText, type ApiV3Key } from './aead.ts';
import { WechatPayDecryptError, WechatPayNotificationError } from './errors.ts';
import { transactionSchema, type Transaction } from './transaction-schema.ts';
import { refundNoticeSchema, type RefundNotice } from './refund-schema.ts';
import { header, type HeaderBag, type ResponseValidator, type VerifiedHeaders } from './validator.ts';
import { AUTH_SCHEME } from './signer.ts';

/** The notification envelope (spec §3.1). Plain (stripping) objects: nothing reads other envelope fields, and zod compiles these into a fast path that loose objects do not get. */
const envelopeSchema = z.object({
  id: z.string().min(1).max(64),
  create_time: z.string(),
  event_type: z.string().min(1).max(64),
  resource_type: z.string(),
  summary: z.string().optional(),
  resource: z.object({
    original_type: z.string().optional(),
    algorithm: z.string(),
    ciphertext: z.string().min(1),
    associated_data: z.string().optional(),
    nonce: z.string(),
  }),
});

interface EventBase {
  id: string;
  create_time: string;
  summary: string | undefined;
  verified: VerifiedHeaders;
}

export type NotificationEvent =
  | (EventBase & { kind: 'transaction'; event_type: 'TRANSACTION.SUCCESS'; transaction: Transaction })
  | (EventBase & { kind: 'refund'; event_type: 'REFUND.SUCCESS' | 'REFUND.ABNORMAL' | 'REFUND.CLOSED'; refund: RefundNotice })
  | (EventBase & { kind: 'other'; event_type: string; resource: unknown });

const REFUND_EVENTS = new Set(['REFUND.SUCCESS', 'REFUND.ABNORMAL', 'REFUND.CLOSED']);

/**
 * Raw headers + raw body bytes → verified, decrypted, typed event. The signature is checked over
 * the exact bytes before anything is parsed or decrypted (spec §3.2, §11: re-serialised bodies
 * break signatures). Any failure throws; the caller answers non-2xx so WeChat retries.
 */
export class NotificationParser {
  readonly #validator: ResponseValidator;
  readonly #key: ApiV3Key;
  readonly #extraKeys: () => readonly ApiV3Key[];

  /**
   * `previousKeys` (during an APIv3 key change) are tried, in order, only when the current key fails
   * authentication: notifications WeChat queued before the change were encrypted with the old key.
   */
  constructor(opts: { validator: ResponseValidator; apiV3Key: ApiV3Key; previousKeys?: () => readonly ApiV3Key[] }) {
    this.#validator = opts.validator;
    this.#key = opts.apiV3Key;
    this.#extraKeys = opts.previousKeys ?? (() => []);
  }

  #open(resource: Parameters<typeof openResourceText>[1]): string {
    try {
      return openResourceText(this.#key, resource);
    } catch (e) {
      const extra = this.#extraKeys();
      if (extra.length === 0 || !(e instanceof WechatPayDecryptError) || e.reason !== 'auth_failed') throw e;
      for (const [i, key] of extra.entries()) {
        try {
          return openResourceText(key, resource);
        } catch (e2) {
          if (i === extra.length - 1 || !(e2 instanceof WechatPayDecryptError) || e2.reason !== 'auth_failed') throw e2;
        }
      }
      throw e;
    }
  }

  async parse(headers: HeaderBag, rawBody: Buffer): Promise<NotificationEvent> {
    // Absent means RSA (as the Go SDK assumes); anything else (e.g. the SM2 variant) we cannot verify.
    const signatureType = header(headers, 'wechatpay-signature-type');
    if (signatureType !== undefined && signatureType !== AUTH_SCHEME) {
      throw new WechatPayNotificationError('unsupported_signature_type', 'Wechatpay-Signature-Type is not WECHATPAY2-SHA256-RSA2048');
    }
    const verified = await this.#validator.validate(headers, rawBody);
    const envelope = parseJson(rawBody.toString('utf8'), envelopeSchema, 'malformed_body', 'notification body');
    if (envelope.resource.algorithm !== AEAD_ALGORITHM) {
      throw new WechatPayNotificationError('unsupported_algorithm', 'notification resource algorithm is not AEAD_AES_256_GCM');
    }
    const plaintext = this.#open(envelope.resource);
    // Each event is built as one literal (no `{ ...base }` spread): copying a shared base object
    // measured ≈ 10 % of the whole verify + decrypt + parse on the notification path.
    const { id, create_time, summary } = envelope;
    if (envelope.event_type === 'TRANSACTION.SUCCESS') {
      const transaction = parseJson(plaintext, transactionSchema, 'malformed_resource', 'transaction resource');
      return { id, create_time, summary, verified, kind: 'transaction', event_type: 'TRANSACTION.SUCCESS', transaction };
    }
    if (REFUND_EVENTS.has(envelope.event_type)) {
      const refund = parseJson(plaintext, refundNoticeSchema, 'malformed_resource', 'refund resource');
      const event_type = envelope.event_type as 'REFUND.SUCCESS' | 'REFUND.ABNORMAL' | 'REFUND.CLOSED';
      return { id, create_time, summary, verified, kind: 'refund', event_type, refund };
    }
    const resource = parseJson(plaintext, z.unknown(), 'malformed_resource', 'resource');
    return { id, create_time, summary, verified, kind: 'other', event_type: envelope.event_type, resource };
  }
}

function parseJson<T>(text: string, schema: z.ZodType<T>, reason: 'malformed_body' | 'malformed_resource', what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new WechatPayNotificationError(reason, `${what} is not JSON`);
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    // Paths only, never values: the resource holds payer data.
    const paths = r.error.issues.map((i) => i.path.join('.') || '(root)').slice(0, 5).join(', ');
    throw new WechatPayNotificationError(reason, `${what} does not match the spec at ${paths}`);
  }
  return r.data;
}
