import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateSandboxMerchant } from '../../simulator/sandbox-merchant.ts';
import { newMerchantSchema } from './merchant-input.ts';
import { merchantInputFromSimulatorSandbox } from './simulator-import.ts';

const dir = mkdtempSync(join(tmpdir(), 'anfu-sim-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('importing a merchant from the simulator sandbox.json', () => {
  it('yields a valid merchant wired to the simulator with its keys', async () => {
    const sim = await loadOrCreateSandboxMerchant({ stateDir: join(dir, 'sim'), baseUrl: 'http://127.0.0.1:7001' });
    const input = await merchantInputFromSimulatorSandbox(join(dir, 'sim', 'sandbox.json'));
    const parsed = newMerchantSchema.parse(input);
    expect(parsed).toMatchObject({
      mchid: sim.json.mchid,
      appid: sim.json.appid,
      wechatApiBaseUrl: 'http://127.0.0.1:7001',
      keyMode: 'public_key',
      wechatpayPublicKeyId: sim.json.wechatpay_public_key_id,
      apiv3Key: sim.json.apiv3_key,
    });
    expect(parsed.h5Domains).toEqual(expect.arrayContaining(['127.0.0.1', 'localhost']));
    expect(parsed.platformCertificates).toHaveLength(1);
  });

  it('reports a missing or malformed file with a stable code', async () => {
    await expect(merchantInputFromSimulatorSandbox(join(dir, 'nope.json'))).rejects.toMatchObject({ code: 'simulator_sandbox_unreadable' });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ mchid: 1 }));
    await expect(merchantInputFromSimulatorSandbox(bad)).rejects.toMatchObject({ code: 'simulator_sandbox_invalid' });
  });
});
