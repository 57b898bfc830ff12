import { z } from 'zod';
import { appendAudit } from '../../audit/append.ts';
import { insertAlertChannel, listAlertChannels, type AlertChannelRow } from '../../db/alerts-channels.ts';
import { ALERT_SEVERITIES } from '../../db/alerts-tables.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { checkOutboundUrlSyntax } from '../../net/outbound-url.ts';
import { sealSecret } from '../custody/secrets.ts';
import type { ServiceContext } from '../context.ts';

/**
 * Alert channels: a generic webhook (URL + HMAC secret), a WeCom group robot (its key) or SMTP email
 * (server, sender, recipients + password). The secret is sealed in the vault under
 * `alert_channel:<id>:secret` in the same transaction as the row; views never include it.
 */
export const alertChannelSecretId = (channelId: string): string => `alert_channel:${channelId}:secret`;

const common = {
  name: z.string().trim().min(1).max(100),
  merchantId: z.string().min(1).max(64).nullable().default(null),
  minSeverity: z.enum(ALERT_SEVERITIES).default('warning'),
  minLevel: z.number().int().min(0).max(10).default(0),
};

export const alertChannelInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('webhook'), ...common, url: z.string().max(2048), secret: z.string().min(16).max(256) }),
  z.object({ kind: z.literal('wecom'), ...common, key: z.string().regex(/^[A-Za-z0-9-]{8,128}$/, 'the robot key from its webhook URL') }),
  z.object({
    kind: z.literal('email'),
    ...common,
    host: z.string().regex(/^[A-Za-z0-9.:-]{1,253}$/),
    port: z.number().int().min(1).max(65535).default(465),
    secure: z.boolean().default(true),
    user: z.string().min(1).max(254).optional(),
    password: z.string().min(1).max(512).optional(),
    from: z.email(),
    to: z.array(z.email()).min(1).max(20),
  }),
]);
export type AlertChannelInput = z.input<typeof alertChannelInput>;

export interface AlertChannelView {
  id: string;
  name: string;
  kind: string;
  merchant_id: string | null;
  min_severity: string;
  min_level: number;
  enabled: boolean;
  config: Record<string, unknown>;
  created_at: string;
}

export function channelView(c: AlertChannelRow): AlertChannelView {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    merchant_id: c.merchant_id,
    min_severity: c.min_severity,
    min_level: c.min_level,
    enabled: c.enabled,
    config: c.config as Record<string, unknown>,
    created_at: c.created_at.toISOString(),
  };
}

export async function createAlertChannel(
  ctx: Pick<ServiceContext, 'db' | 'clock' | 'vault' | 'mode'>,
  input: AlertChannelInput,
  /** The operator creating it: audited in the same transaction as the row. */
  by?: { operatorId: string; ip?: string | null },
): Promise<AlertChannelView> {
  const parsed = alertChannelInput.safeParse(input);
  if (!parsed.success) {
    // Field names only: the input holds secrets.
    throw new AppError('invalid_input', 'alert_channel_invalid', 'the alert channel is invalid', { fields: parsed.error.issues.map((i) => i.path.join('.')) });
  }
  const c = parsed.data;
  let config: Record<string, unknown>;
  let secret: string | undefined;
  if (c.kind === 'webhook') {
    checkOutboundUrlSyntax(c.url, { allowLoopback: ctx.mode === 'sandbox' });
    config = { url: c.url };
    secret = c.secret;
  } else if (c.kind === 'wecom') {
    config = {};
    secret = c.key;
  } else {
    config = { host: c.host, port: c.port, secure: c.secure, ...(c.user ? { user: c.user } : {}), from: c.from, to: c.to };
    secret = c.password;
  }
  const id = newId('ach');
  const now = new Date(ctx.clock.now());
  const row = await ctx.db.transaction().execute(async (trx) => {
    const inserted = await insertAlertChannel(trx, { id, name: c.name, kind: c.kind, merchantId: c.merchantId, minSeverity: c.minSeverity, minLevel: c.minLevel, config, now });
    if (secret !== undefined) await sealSecret(ctx, trx, alertChannelSecretId(id), secret);
    if (by) {
      await appendAudit(ctx, trx, { actor: { type: 'operator', id: by.operatorId }, action: 'alert_channel.created', target: { type: 'alert_channel', id }, merchantId: c.merchantId, outcome: 'success', ip: by.ip ?? null, data: { kind: c.kind } });
    }
    return inserted;
  });
  return channelView(row);
}

export async function listChannelViews(ctx: Pick<ServiceContext, 'db'>): Promise<AlertChannelView[]> {
  return (await listAlertChannels(ctx.db)).map(channelView);
}
