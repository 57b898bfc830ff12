import type { FastifyInstance } from 'fastify';
import type { DemoPaymentRequest, DemoPaymentResult } from '../http/routes/demo-shop.ts';

/**
 * The demo shop orders exactly as a merchant's backend would: `POST /v1/payments` with the demo
 * merchant's API key and an Idempotency-Key. It goes through Fastify's in-process injection, so the
 * same routes, validation, idempotency and service run as for any merchant, without a socket.
 */
export async function createDemoPayment(server: FastifyInstance, apiKey: string, req: DemoPaymentRequest): Promise<DemoPaymentResult> {
  const res = await server.inject({
    method: 'POST',
    url: '/v1/payments',
    headers: { authorization: `Bearer ${apiKey}`, 'idempotency-key': req.idempotencyKey, 'content-type': 'application/json' },
    payload: JSON.stringify({ amount: req.amountFen, description: req.description, payer_client_ip: req.payerClientIp, h5_type: 'Wap' }),
  });
  let body: unknown;
  try {
    body = res.json();
  } catch {
    body = undefined;
  }
  if (res.statusCode === 201 || res.statusCode === 200) {
    const p = body as { id?: unknown; h5_url?: unknown };
    if (typeof p.id === 'string' && typeof p.h5_url === 'string') return { ok: true, id: p.id, h5Url: p.h5_url };
    return { ok: false, status: 502, code: 'unexpected_response', message: 'The payment API answered without an id or h5_url.' };
  }
  const err = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return {
    ok: false,
    status: res.statusCode,
    code: typeof err?.code === 'string' ? err.code : 'payment_failed',
    message: typeof err?.message === 'string' ? err.message : `The payment API answered ${res.statusCode}.`,
  };
}
