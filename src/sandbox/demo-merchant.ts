import type { Kysely } from 'kysely';
import type { Clock } from '../lib/clock.ts';
import type { Database } from '../db/schema.ts';
import { findMerchantByMchid, updateMerchantEndpoints } from '../db/merchants.ts';
import { createMerchant } from '../services/merchants/merchants.ts';
import { authenticateApiKey, createApiKey } from '../services/merchants/api-keys.ts';
import { merchantInputFromSimulatorSandbox } from '../services/merchants/simulator-import.ts';
import type { Vault } from '../vault/vault.ts';

/**
 * The sandbox's demo merchant: created on the first start from the simulator's sandbox.json, found
 * again by (mchid, appid) on later starts and re-pointed at the simulator's current address and the
 * demo receiver (ports may differ between runs). Its API key is reused when the previous sandbox.json
 * still holds one that authenticates; otherwise a new key is created (and sandbox.json rewritten).
 */
export interface DemoMerchantDeps {
  db: Kysely<Database>;
  clock: Clock;
  vault: Vault;
}

export interface DemoMerchantInput {
  simulatorSandboxPath: string;
  webhookUrl: string;
  /** The key from the previous run's sandbox.json, if any. */
  previousApiKey?: string;
}

export interface DemoMerchant {
  merchantId: string;
  apiKey: string;
  createdMerchant: boolean;
  createdKey: boolean;
}

export const DEMO_MERCHANT_NAME = 'Anfu demo shop (sandbox)';
const DEMO_KEY_LABEL = 'sandbox demo';

export async function ensureDemoMerchant(deps: DemoMerchantDeps, input: DemoMerchantInput): Promise<DemoMerchant> {
  const fromSim = await merchantInputFromSimulatorSandbox(input.simulatorSandboxPath);
  const baseUrl = String(fromSim.wechatApiBaseUrl);
  const existing = await findMerchantByMchid(deps.db, fromSim.mchid, fromSim.appid);
  let merchantId: string;
  let createdMerchant = false;
  if (existing) {
    merchantId = existing.id;
    if (existing.wechat_api_base_url !== baseUrl || existing.webhook_url !== input.webhookUrl) {
      await updateMerchantEndpoints(deps.db, merchantId, { wechat_api_base_url: baseUrl, webhook_url: input.webhookUrl }, new Date(deps.clock.now()));
    }
  } else {
    const m = await createMerchant(deps, { ...fromSim, name: DEMO_MERCHANT_NAME, mode: 'sandbox', webhookUrl: input.webhookUrl });
    merchantId = m.id;
    createdMerchant = true;
  }

  if (input.previousApiKey) {
    const auth = await authenticateApiKey(deps, input.previousApiKey);
    if (auth && auth.merchant.id === merchantId) return { merchantId, apiKey: input.previousApiKey, createdMerchant, createdKey: false };
  }
  const { token } = await createApiKey(deps, merchantId, DEMO_KEY_LABEL);
  return { merchantId, apiKey: token, createdMerchant, createdKey: true };
}
