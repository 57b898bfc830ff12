import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { randomAlnum } from '../../lib/ids.ts';
import { buildTradeBill, cstDate, sha1Hex, type BillType } from '../bill.ts';
import type { SimContext } from '../context.ts';
import { toParamError } from '../field-errors.ts';
import { isCalendarDate } from '../../lib/calendar.ts';
import { authenticate, sendJson } from '../route-helpers.ts';
import { SimError } from '../sim-error.ts';

/** download_url lives 30 s (spec §5.5). */
const DOWNLOAD_TTL_MS = 30_000;

const querySchema = z.strictObject({
  bill_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: '账单日期格式应为YYYY-MM-DD' }),
  bill_type: z.enum(['ALL', 'SUCCESS', 'REFUND'], { message: '账单类型应为ALL、SUCCESS或REFUND' }).optional(),
  tar_type: z.literal('GZIP', { message: '压缩类型只支持GZIP' }).optional(),
});

interface Download {
  mchid: string;
  body: Buffer;
  gzip: boolean;
  expires: number;
}

export function registerBillRoutes(app: FastifyInstance, ctx: SimContext): void {
  const downloads = new Map<string, Download>();

  app.get('/v3/bill/tradebill', async (req, reply) => {
    const mchid = authenticate(ctx, req);
    const parsed = querySchema.safeParse(req.query);
    if (!parsed.success) throw toParamError(parsed.error.issues, req.query, 'query');
    const { bill_date: date, bill_type: type = 'ALL', tar_type: tar } = parsed.data;
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    if (!isCalendarDate(y, m, d)) throw toParamError([{ code: 'custom', path: ['bill_date'], message: '账单日期无效', input: date }], req.query, 'query');
    // The simulator issues today's bill at once (WeChat waits until the next morning) so demos can reconcile.
    if (date > cstDate(ctx.clock.now())) throw new SimError(400, 'NO_STATEMENT_EXIST', '账单文件不存在');
    const csv = buildTradeBill({ date, type: type as BillType, orders: ctx.state.orders(), refunds: ctx.state.refunds() });
    if (csv === null) throw new SimError(400, 'NO_STATEMENT_EXIST', '账单文件不存在');
    const raw = Buffer.from(csv, 'utf8');
    const now = ctx.clock.now();
    for (const [k, d] of downloads) if (d.expires < now) downloads.delete(k);
    const token = randomAlnum(40);
    downloads.set(token, { mchid, body: tar ? gzipSync(raw) : raw, gzip: tar === 'GZIP', expires: now + DOWNLOAD_TTL_MS });
    const suffix = tar ? '&tartype=gzip' : '';
    // The hash is over the decompressed CSV, gzip or not (spec §5.5).
    return sendJson(reply, 200, { hash_type: 'SHA1', hash_value: sha1Hex(raw), download_url: `${ctx.baseUrl}/v3/billdownload/file?token=${token}${suffix}` });
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/v3/billdownload/file', async (req, reply) => {
    const mchid = authenticate(ctx, req);
    const d = req.query.token ? downloads.get(req.query.token) : undefined;
    if (!d || d.expires < ctx.clock.now()) throw new SimError(400, 'INVALID_REQUEST', '下载链接已过期或无效，请重新获取');
    if (d.mchid !== mchid) throw new SimError(403, 'NO_AUTH', '无权下载该账单');
    return reply
      .code(200)
      .header('content-type', d.gzip ? 'application/octet-stream' : 'text/plain; charset=utf-8')
      .send(d.body);
  });
}
