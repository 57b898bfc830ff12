import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { loadConfig } from '../src/config/config.ts';
import { openMigratedDatabase } from '../src/db/open-from-config.ts';
import { openVaultFromConfig } from '../src/services/custody/kms-from-config.ts';
import { systemClock } from '../src/lib/clock.ts';
import { createMerchant, listMerchants } from '../src/services/merchants/merchants.ts';
import { compactDeltas, pendingDeltaCount } from '../src/db/dashboard-rollup.ts';
import type { Database } from '../src/db/schema.ts';
import type { Vault } from '../src/vault/vault.ts';

/**
 * Seeds N payments (default 100,000) for console and list benchmarks:
 *   npx tsx bench/seed-payments.ts [--count 100000] [--merchant mer_…]
 * Uses the configured database (ANFU_DATA_DIR / DATABASE_URL). Rows are generated inside the database
 * (`generate_series`, 10,000 per statement), spread over the last 90 days: 70 % succeeded (with a
 * transaction id and paid_at), 20 % closed, 10 % pending. Without --merchant it uses the first merchant,
 * or creates a "Seed merchant" with fresh keys. `seedPayments` is also imported by the console bench.
 *
 * Same write path as the gateway's: plain INSERTs into `payments`, so the row triggers of migration 0008
 * append one dashboard delta per seeded payment, exactly as for an order created over the API. The
 * script then folds them into the daily roll-up once (as the gateway's 10-second compaction would).
 */
/** The first merchant, or a new "Seed merchant" with fresh keys when there is none. */
export async function ensureSeedMerchant(db: Kysely<Database>, vault: Vault): Promise<string> {
  const existing = await listMerchants({ db });
  if (existing[0]) return existing[0].id;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const m = await createMerchant(
    { db, clock: systemClock, vault },
    {
      name: 'Seed merchant',
      mchid: '1900009999',
      appid: 'wx00000000000005ee',
      mode: 'sandbox',
      h5Domains: ['127.0.0.1'],
      wechatApiBaseUrl: 'http://127.0.0.1:1',
      merchantSerial: randomBytes(20).toString('hex').toUpperCase(),
      merchantPrivateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      apiv3Key: randomBytes(16).toString('hex'),
      wechatpayPublicKeyId: 'PUB_KEY_ID_0000000000000000000000000001',
      wechatpayPublicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    },
  );
  return m.id;
}

/**
 * Inserts `count` payments for `merchantId` (10,000 per statement), created over the last `spanSeconds`
 * (default 90 days); returns the run's tag.
 */
export async function seedPayments(
  db: Kysely<Database>,
  merchantId: string,
  count: number,
  onProgress?: (done: number) => void,
  opts: { spanSeconds?: number } = {},
): Promise<string> {
  const span = opts.spanSeconds ?? 7_776_000;
  // A per-run tag keeps ids and out_trade_no unique when the script runs more than once.
  const tag = randomBytes(4).toString('hex');
  const batch = 10_000;
  for (let from = 0; from < count; from += batch) {
    const to = Math.min(count, from + batch) - 1;
    await sql`
      insert into payments (id, merchant_id, out_trade_no, amount, description, status, payer_client_ip, h5_type,
                            expires_at, transaction_id, paid_at, wechat_trade_state, created_at, updated_at)
      select 'pay_seed' || ${tag} || lpad(g::text, 10, '0'),
             ${merchantId},
             'S' || ${tag} || lpad(g::text, 10, '0'),
             100 + (g::bigint * 7919) % 99900,
             'Seed order ' || g,
             s.status,
             '14.23.150.211',
             'Wap',
             c.created_at + interval '2 hours',
             case when s.status = 'succeeded' then '42' || ${tag} || lpad(g::text, 18, '0') end,
             case when s.status = 'succeeded' then c.created_at + interval '40 seconds' end,
             case s.status when 'succeeded' then 'SUCCESS' when 'closed' then 'CLOSED' else 'NOTPAY' end,
             c.created_at,
             c.created_at
      from generate_series(${from}::int, ${to}::int) as g
      -- (g × a prime) mod the span: spread over the whole span whatever the count (g alone would crowd 100,000 rows into 28 hours).
      cross join lateral (select now() - ((g::bigint * 7919) % ${span}) * interval '1 second' as created_at) c
      cross join lateral (select case when g % 10 < 7 then 'succeeded' when g % 10 < 9 then 'closed' else 'pending' end as status) s
    `.execute(db);
    onProgress?.(to + 1);
  }
  return tag;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string', default: '100000' }, merchant: { type: 'string' } } });
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > 10_000_000) {
    console.error('--count must be an integer between 1 and 10,000,000');
    process.exit(1);
  }
  const { handle } = await openMigratedDatabase(loadConfig());
  try {
    const merchantId = values.merchant ?? (await ensureSeedMerchant(handle.db, openVaultFromConfig(loadConfig())));
    const started = performance.now();
    await seedPayments(handle.db, merchantId, count, (done) => process.stdout.write(`\r  ${done.toLocaleString('en-US')} / ${count.toLocaleString('en-US')}`));
    const secs = (performance.now() - started) / 1000;
    process.stdout.write(`\n  seeded ${count.toLocaleString('en-US')} payments for ${merchantId} on ${handle.kind} in ${secs.toFixed(1)} s (${Math.round(count / secs).toLocaleString('en-US')} rows/s)\n`);
    const pending = await pendingDeltaCount(handle.db);
    const t0 = performance.now();
    const folded = await compactDeltas(handle.db, { maxBatches: 1_000 });
    process.stdout.write(`  dashboard roll-up: ${pending.toLocaleString('en-US')} deltas folded into ${folded.days.toLocaleString('en-US')} day rows in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  } finally {
    await handle.close();
  }
}

// Run as a script (`npx tsx bench/seed-payments.ts`); importing it (the console bench) runs nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
