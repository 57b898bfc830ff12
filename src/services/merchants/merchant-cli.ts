import { Command } from 'commander';
import { loadConfig } from '../../config/config.ts';
import { systemClock } from '../../lib/clock.ts';
import { isAppError } from '../../lib/errors.ts';
import type { Merchant } from '../../domain/merchant.ts';
import { openMigratedDatabase } from '../../db/open-from-config.ts';
import { openVaultFromConfig } from '../custody/kms-from-config.ts';
import { cliActorId } from '../custody/cli-actor.ts';
import type { DatabaseHandle } from '../../db/connect.ts';
import { createMerchant, listMerchants } from './merchants.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.ts';
import { merchantInputFromSimulatorSandbox } from './simulator-import.ts';
import type { NewMerchantInput } from './merchant-input.ts';

/**
 * `anfu merchant add|list` and `anfu merchant key create|list|revoke`. Results go to stdout as JSON (one
 * document per command) for scripts; errors go to stderr as `code: message` with exit code 1.
 */
async function withDb<T>(fn: (h: DatabaseHandle) => Promise<T>): Promise<void> {
  let handle: DatabaseHandle | undefined;
  try {
    handle = (await openMigratedDatabase(loadConfig())).handle;
    const out = await fn(handle);
    if (out !== undefined) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } catch (e) {
    if (!isAppError(e)) throw e;
    process.stderr.write(`error: ${e.code}: ${e.message}\n`);
    for (const i of (e.details?.issues as Array<{ path: string; message: string }> | undefined) ?? []) {
      process.stderr.write(`  ${i.path}: ${i.message}\n`);
    }
    process.exitCode = 1;
  } finally {
    await handle?.close();
  }
}

function merchantJson(m: Merchant): Record<string, unknown> {
  return {
    id: m.id,
    name: m.name,
    mchid: m.mchid,
    appid: m.appid,
    mode: m.mode,
    h5_domains: m.h5Domains,
    webhook_url: m.webhookUrl,
    wechat_api_base_url: m.wechatApiBaseUrl,
    key_mode: m.keyMode,
    disabled: m.disabledAt !== null,
    created_at: m.createdAt.toISOString(),
  };
}

interface AddOptions {
  name?: string;
  mchid?: string;
  appid?: string;
  h5Domain?: string[];
  webhookUrl?: string;
  live: boolean;
  fromSimulator?: string;
  keyLabel?: string;
  noKey?: boolean;
  key: boolean;
}

export function addMerchantCommand(program: Command): void {
  const merchant = program.command('merchant').description('manage merchants and their API keys');

  merchant
    .command('add')
    .description('create a merchant (credentials from a simulator sandbox.json for the sandbox) and its first API key')
    .option('--name <name>', 'display name')
    .option('--mchid <mchid>', 'WeChat Pay merchant id (digits)')
    .option('--appid <appid>', 'WeChat appid (wx…)')
    .option('--h5-domain <domain...>', 'H5 payment domains, bare hostnames')
    .option('--webhook-url <url>', 'where Anfu sends signed webhooks')
    .option('--live', 'a live merchant (sk_live_ keys, https only)', false)
    .option('--from-simulator <sandbox.json>', "import credentials from the simulator's sandbox.json")
    .option('--no-key', 'do not create a first API key')
    .action((o: AddOptions) =>
      withDb(async ({ db }) => {
        let input: NewMerchantInput;
        if (o.fromSimulator) {
          input = await merchantInputFromSimulatorSandbox(o.fromSimulator);
        } else {
          // Credentials for live merchants come through the admin API / vault, not command-line flags,
          // which would leave secrets in shell history; validation reports what is missing.
          input = { name: '', mchid: '', appid: '', h5Domains: [], merchantSerial: '', merchantPrivateKeyPem: '', apiv3Key: '' };
        }
        if (o.name !== undefined) input.name = o.name;
        if (o.mchid !== undefined) input.mchid = o.mchid;
        if (o.appid !== undefined) input.appid = o.appid;
        if (o.h5Domain !== undefined) input.h5Domains = o.h5Domain;
        if (o.webhookUrl !== undefined) input.webhookUrl = o.webhookUrl;
        if (o.live) input.mode = 'live';
        const deps = { db, clock: systemClock, vault: openVaultFromConfig(loadConfig()) };
        const m = await createMerchant(deps, input, { type: 'cli', id: cliActorId() });
        const out: Record<string, unknown> = { merchant: merchantJson(m) };
        if (o.key) {
          const k = await createApiKey(deps, m.id, 'initial');
          out.api_key = { id: k.key.id, token: k.token };
          process.stderr.write('The API key is shown once; store it now.\n');
        }
        return out;
      }),
    );

  merchant
    .command('list')
    .description('list merchants (no secrets)')
    .action(() => withDb(async ({ db }) => ({ merchants: (await listMerchants({ db })).map(merchantJson) })));

  const key = merchant.command('key').description("manage a merchant's API keys");
  key
    .command('create <merchant_id>')
    .description('create an API key (printed once)')
    .option('--label <label>', 'a name to recognise the key by')
    .action((merchantId: string, o: { label?: string }) =>
      withDb(async ({ db }) => {
        const k = await createApiKey({ db, clock: systemClock }, merchantId, o.label);
        process.stderr.write('The API key is shown once; store it now.\n');
        return { id: k.key.id, token: k.token, label: k.key.label };
      }),
    );
  key
    .command('list <merchant_id>')
    .description('list API keys (hints only)')
    .action((merchantId: string) =>
      withDb(async ({ db }) => ({
        keys: (await listApiKeys({ db }, merchantId)).map((k) => ({
          id: k.id,
          hint: k.hint,
          label: k.label,
          created_at: k.createdAt.toISOString(),
          last_used_at: k.lastUsedAt?.toISOString() ?? null,
          revoked_at: k.revokedAt?.toISOString() ?? null,
        })),
      })),
    );
  key
    .command('revoke <merchant_id> <key_id>')
    .description('revoke an API key at once')
    .action((merchantId: string, keyId: string) =>
      withDb(async ({ db }) => {
        await revokeApiKey({ db, clock: systemClock }, merchantId, keyId);
        return { revoked: keyId };
      }),
    );
}
