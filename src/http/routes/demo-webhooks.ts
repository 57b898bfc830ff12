import type { FastifyInstance } from 'fastify';
import { verifyWebhook } from '../../webhooks/signing.ts';

/**
 * The sandbox's demo webhook receiver: `POST /demo/webhooks` checks the Standard Webhooks signature
 * with the demo merchant's secrets — as a merchant's own endpoint would — and `GET /demo/webhooks`
 * lists what arrived (newest first) with `verified: true|false`. Kept in memory, bounded: it is a demo.
 */
export interface DemoWebhookDeps {
  /** The demo merchant's currently valid webhook secrets (two during a rotation). */
  secrets(): Promise<string[]>;
  nowSeconds(): number;
  /** How many deliveries the list keeps (default 200). */
  limit?: number;
}

export interface ReceivedWebhook {
  received_at: string;
  webhook_id: string | null;
  type: string | null;
  verified: boolean;
  reason?: string;
  /** The parsed body when it verified; unverified bodies are not echoed back. */
  event?: unknown;
}

function header(v: string | string[] | undefined): string | null {
  return typeof v === 'string' ? v : null;
}

export function registerDemoWebhookRoutes(app: FastifyInstance, deps: DemoWebhookDeps): void {
  const limit = deps.limit ?? 200;
  const received: ReceivedWebhook[] = [];

  app.post('/demo/webhooks', async (req, reply) => {
    // Verify the exact bytes that were signed, never a re-serialisation of the parsed body.
    const raw = req.rawBody?.toString('utf8') ?? (typeof req.body === 'string' ? req.body : '');
    const result = verifyWebhook(await deps.secrets(), req.headers, raw, deps.nowSeconds());
    let event: unknown;
    let type: string | null = null;
    if (result.ok) {
      event = req.body;
      const t = (req.body as { type?: unknown } | undefined)?.type;
      type = typeof t === 'string' ? t : null;
    }
    received.unshift({
      received_at: new Date(deps.nowSeconds() * 1000).toISOString(),
      webhook_id: header(req.headers['webhook-id']),
      type,
      verified: result.ok,
      ...(result.ok ? { event } : { reason: result.reason }),
    });
    if (received.length > limit) received.length = limit;
    if (!result.ok) return reply.status(401).send({ error: { code: 'invalid_signature', message: `Signature check failed: ${result.reason}.`, request_id: String(req.id) } });
    return reply.status(204).send();
  });

  app.get('/demo/webhooks', async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    return { data: received };
  });
}
