/**
 * pg-boss queue names, in one place so producers (services, inside their transactions) and consumers
 * (workers) agree. app.ts creates every queue at start.
 */
export const QUEUES = {
  /** Deliver one outbox event to the merchant's webhook endpoint. Data: `{ eventId }`. */
  webhookDeliver: 'webhook-deliver',
  /** Query a pending payment at WeChat (active query with increasing intervals). Data: `{ paymentId }`. */
  paymentQuery: 'payment-query',
  /** Follow a PROCESSING refund to its final state. Data: `{ refundId }`. */
  refundQuery: 'refund-query',
  /** Re-process a stored notification (e.g. after a transient failure). Data: `{ inboxId }`. */
  notificationProcess: 'notification-process',
  /** Periodic sweeps (expiry, stale locks, idempotency purge). */
  maintenance: 'maintenance',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const ALL_QUEUES: readonly QueueName[] = Object.values(QUEUES);
