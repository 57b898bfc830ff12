import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PAYMENT_STATUSES, REFUND_STATUSES } from '../domain/payment-status.ts';
import { createPaymentSchema } from '../services/payments/payment-input.ts';
import { listPaymentsQuerySchema } from '../services/payments/list-payments.ts';
import { createRefundSchema } from '../services/refunds/create-refund.ts';

/**
 * OpenAPI 3.1 for the merchant API, generated from the same zod schemas the services validate with
 * (JSON Schema 2020-12 is OpenAPI 3.1's dialect), so the document cannot drift from the checks.
 */
const ts = z.iso.datetime().describe('RFC 3339 timestamp (UTC)');

const paymentSchema = z.object({
  id: z.string().describe('pay_…'),
  object: z.literal('payment'),
  out_trade_no: z.string(),
  status: z.enum(PAYMENT_STATUSES),
  amount: z.number().int(),
  currency: z.literal('CNY'),
  description: z.string(),
  refunded_amount: z.number().int().describe('Refunded or reserved by refunds in progress, in fen'),
  refund_count: z.number().int(),
  h5_type: z.enum(['Wap', 'iOS', 'Android']).nullable(),
  h5_url: z.string().nullable().describe('Cashier link (valid 5 minutes) carrying the url-encoded redirect_url; only while pending'),
  h5_url_expires_at: ts.nullable(),
  redirect_url: z.string().nullable(),
  attach: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  transaction_id: z.string().nullable(),
  payer_openid: z.string().nullable(),
  paid_at: ts.nullable(),
  expires_at: ts,
  created_at: ts,
  updated_at: ts,
});

const refundSchema = z.object({
  id: z.string().describe('re_…'),
  object: z.literal('refund'),
  payment_id: z.string(),
  out_refund_no: z.string(),
  amount: z.number().int(),
  currency: z.literal('CNY'),
  reason: z.string().nullable(),
  status: z.enum(REFUND_STATUSES),
  wechat_refund_id: z.string().nullable(),
  abnormal: z.boolean().describe('WeChat could not return the money (ABNORMAL): act in the merchant platform'),
  error: z.string().nullable(),
  succeeded_at: ts.nullable(),
  created_at: ts,
  updated_at: ts,
});

const errorSchema = z.object({
  error: z.object({
    code: z.string().describe('Stable snake_case code to switch on'),
    message: z.string().describe('Human message (zh-CN or en by Accept-Language)'),
    details: z.record(z.string(), z.unknown()).optional(),
    request_id: z.string(),
  }),
});

const listSchema = z.object({ object: z.literal('list'), data: z.array(paymentSchema), has_more: z.boolean() });

function js(schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: ERROR_DESCRIPTIONS[c] ?? 'Error', ...json(ref('Error')) }]));
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (invalid_request, idempotency_key_required, redirect_url_not_allowed, payer_client_ip_not_public, wechat_param_error…)',
  401: 'unauthenticated',
  404: 'Not found (also for another merchant’s ids)',
  409: 'Conflict (idempotency_key_in_use, out_trade_no_conflict, order_expired, payment_not_pending, payment_already_paid…)',
  422: 'Unprocessable (idempotency_key_mismatch, refund_exceeds_amount, refund_limit_reached…)',
  429: 'Rate limited (wechat_rate_limited)',
  502: 'WeChat Pay answered in a way that failed verification; outcome unknown — retry with the same Idempotency-Key',
  503: 'WeChat Pay unavailable or timed out; outcome unknown — retry with the same Idempotency-Key',
};

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const idempotencyHeader = {
  name: 'Idempotency-Key',
  in: 'header',
  required: true,
  description: 'Unique per operation (e.g. a UUID); kept ≥ 24 h per merchant',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};

function queryParameters(): unknown[] {
  const schema = js(listPaymentsQuerySchema, 'input') as { properties: Record<string, unknown> };
  return Object.entries(schema.properties).map(([name, s]) => ({ name, in: 'query', required: false, schema: s }));
}

export function buildOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Anfu (安付) merchant API', version: '1', description: 'WeChat Pay H5 payments and refunds. Amounts are integer fen (分).' },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'sk_test_… / sk_live_…' } },
      schemas: {
        CreatePayment: js(createPaymentSchema, 'input'),
        CreateRefund: js(createRefundSchema, 'input'),
        Payment: js(paymentSchema),
        Refund: js(refundSchema),
        PaymentList: js(listSchema),
        Error: js(errorSchema),
      },
    },
    security: [{ apiKey: [] }],
    paths: {
      '/v1/payments': {
        post: {
          operationId: 'createPayment',
          summary: 'Create an H5 payment',
          parameters: [idempotencyHeader],
          requestBody: { required: true, ...json(ref('CreatePayment')) },
          responses: { '201': { description: 'Created (or replayed, with Idempotent-Replayed: true)', ...json(ref('Payment')) }, ...errors(400, 401, 409, 422, 429, 502, 503) },
        },
        get: {
          operationId: 'listPayments',
          summary: 'List payments, newest first',
          parameters: queryParameters(),
          responses: { '200': { description: 'A page', ...json(ref('PaymentList')) }, ...errors(400, 401) },
        },
      },
      '/v1/payments/{id}': {
        get: { operationId: 'getPayment', parameters: [idParam], responses: { '200': { description: 'The payment', ...json(ref('Payment')) }, ...errors(401, 404) } },
      },
      '/v1/payments/{id}/h5-url': {
        post: {
          operationId: 'refreshH5Url',
          summary: 'A fresh h5_url for a pending payment',
          parameters: [idParam],
          responses: { '200': { description: 'The payment with a new h5_url', ...json(ref('Payment')) }, ...errors(401, 404, 409, 429, 502, 503) },
        },
      },
      '/v1/payments/{id}/close': {
        post: {
          operationId: 'closePayment',
          parameters: [idParam],
          responses: { '200': { description: 'The closed payment', ...json(ref('Payment')) }, ...errors(401, 404, 409, 429, 502, 503) },
        },
      },
      '/v1/payments/{id}/refunds': {
        post: {
          operationId: 'createRefund',
          parameters: [idParam, idempotencyHeader],
          requestBody: { required: true, ...json(ref('CreateRefund')) },
          responses: { '201': { description: 'Refund accepted (processing or succeeded)', ...json(ref('Refund')) }, ...errors(400, 401, 404, 409, 422, 429, 502, 503) },
        },
      },
      '/v1/refunds/{id}': {
        get: { operationId: 'getRefund', parameters: [idParam], responses: { '200': { description: 'The refund', ...json(ref('Refund')) }, ...errors(401, 404) } },
      },
    },
  };
}

export function registerOpenApiRoute(server: FastifyInstance): void {
  let doc: Record<string, unknown> | undefined;
  server.get('/openapi.json', async () => (doc ??= buildOpenApiDocument()));
}
