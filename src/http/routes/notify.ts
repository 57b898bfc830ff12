import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServiceContext } from '../../services/context.ts';
import type { NotificationEffects } from '../../services/notifications/effects.ts';
import { NotificationInbox, type InboxOptions, type IngestResult } from '../../services/notifications/ingest-notification.ts';

/**
 * `POST /wechatpay/notify/{merchant_id}` — the notify_url handed to WeChat for payments and refunds.
 * The raw bytes go to the inbox service untouched (verification needs them exactly as sent). WeChat
 * reads only the status code: 2xx = done, anything else (or no answer within 5 s) = resend later, so
 * every failure path answers FAIL quickly rather than risk a late 200 or a bare 500. 200 means
 * "verified and durable"; the effect is applied right after, in the background (see the inbox).
 */
export const NOTIFY_BODY_LIMIT = 64 * 1024;
/** WeChat waits 5 s; leave room for the network so a slow database fails fast instead of timing out. */
export const NOTIFY_DEADLINE_MS = 4_000;

const SUCCESS = { code: 'SUCCESS', message: '成功' } as const;
const FAIL = { code: 'FAIL', message: '失败' } as const;

export interface NotifyRouteOptions {
  effects: NotificationEffects;
  deadlineMs?: number;
  /** Group commit and background applier tuning (defaults in the inbox). */
  inbox?: Omit<InboxOptions, 'effects'>;
}

/** Registers the route; returns its inbox (closed with the server: queued effects are left to the sweep). */
export function registerNotifyRoute(server: FastifyInstance, ctx: ServiceContext, opts: NotifyRouteOptions): NotificationInbox {
  const deadlineMs = opts.deadlineMs ?? NOTIFY_DEADLINE_MS;
  const inbox = new NotificationInbox(ctx, { ...opts.inbox, effects: opts.effects });
  server.addHook('onClose', async () => inbox.close());
  void server.register(async (scope) => {
    // Raw bytes for any content type: a JSON parser here would tempt someone to verify a re-serialisation.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: NOTIFY_BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err, req, reply) => {
      const status = (err as { statusCode?: number }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) return reply.status(status).send(FAIL);
      req.log.error({ err }, 'notification handling failed');
      return reply.status(500).send(FAIL);
    });

    scope.post<{ Params: { merchantId: string } }>('/wechatpay/notify/:merchantId', async (req, reply) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const work = inbox.ingest({ merchantId: req.params.merchantId, headers: req.headers, rawBody });
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), deadlineMs);
      });
      try {
        const result = await Promise.race([work, deadline]);
        if (result === 'timeout') {
          // The insert may still commit (then the row is applied as usual); WeChat's resend is then a duplicate.
          work.catch((err: unknown) => req.log.error({ err }, 'notification handling failed after its deadline'));
          req.log.warn({ merchantId: req.params.merchantId }, 'notification not durable within the deadline; answering FAIL');
          return reply.status(503).send(FAIL);
        }
        return answer(reply, result);
      } finally {
        clearTimeout(timer);
      }
    });
  });
  return inbox;
}

function answer(reply: FastifyReply, r: IngestResult): FastifyReply {
  switch (r.outcome) {
    case 'accepted':
      return reply.status(200).send(SUCCESS);
    case 'rejected':
      return reply.status(401).send(FAIL);
    case 'unknown_merchant':
      return reply.status(404).send(FAIL);
    case 'not_stored':
      return reply.status(503).send(FAIL);
  }
}
