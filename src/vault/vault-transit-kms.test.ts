import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../lib/secret.ts';
import { startFakeVaultTransit, type FakeVaultTransit } from '../../test/helpers/fake-vault-transit.ts';
import { Vault } from './vault.ts';
import { VaultTransitKms } from './vault-transit-kms.ts';

let fake: FakeVaultTransit;
beforeAll(async () => {
  fake = await startFakeVaultTransit();
});
afterAll(async () => {
  await fake.close();
});

function kms(overrides: Partial<ConstructorParameters<typeof VaultTransitKms>[0]> = {}): VaultTransitKms {
  return new VaultTransitKms({ address: fake.url, token: new Secret(fake.token), keyName: 'anfu-kek', timeoutMs: 2_000, ...overrides });
}

describe('Vault transit KMS', () => {
  it('wraps a data key into a vault:v1 ciphertext and unwraps it, sending the token header', async () => {
    const p = kms();
    const dk = randomBytes(32);
    const w = await p.wrap(dk);
    expect(w.kekId).toBe('vault-transit:transit/anfu-kek');
    expect(w.wrapped).toMatch(/^vault:v1:/);
    expect((await p.unwrap(w)).equals(dk)).toBe(true);
    expect(fake.requests.at(-1)).toEqual({ path: '/v1/transit/decrypt/anfu-kek', token: fake.token });
  });

  it('rewraps to the newest key version after a key rotation inside Vault', async () => {
    const p = kms({ keyName: 'rot-key' });
    const dk = randomBytes(32);
    const w1 = await p.wrap(dk);
    fake.rotate('rot-key');
    const w2 = await p.rewrap(w1);
    expect(p.keyVersion(w1)).toBe('v1');
    expect(p.keyVersion(w2)).toBe('v2');
    expect((await p.unwrap(w2)).equals(dk)).toBe(true);
  });

  it('backs a Vault end to end', async () => {
    const v = new Vault({ provider: kms() });
    const sealed = await v.seal('merchant:1:private-key', 'PEM');
    expect((await v.openString('merchant:1:private-key', sealed)).reveal()).toBe('PEM');
  });

  it('maps a wrong token to kms_permission_denied', async () => {
    await expect(kms({ token: new Secret('wrong') }).wrap(randomBytes(32))).rejects.toMatchObject({ code: 'kms_permission_denied', kind: 'upstream' });
  });

  it('maps a tampered ciphertext to kek_unwrap_failed', async () => {
    const p = kms();
    const w = await p.wrap(randomBytes(32));
    const body = Buffer.from(w.wrapped.slice('vault:v1:'.length), 'base64');
    body[15] = body[15]! ^ 1;
    await expect(p.unwrap({ ...w, wrapped: `vault:v1:${body.toString('base64')}` })).rejects.toMatchObject({ code: 'kek_unwrap_failed' });
  });

  it('refuses a wrapped key that belongs to another KEK without calling Vault', async () => {
    const before = fake.requests.length;
    await expect(kms().unwrap({ kekId: 'local:abc', wrapped: 'vault:v1:AAAA' })).rejects.toMatchObject({ code: 'kek_mismatch' });
    expect(fake.requests.length).toBe(before);
  });

  it('maps 5xx and 429 to kms_unavailable and 4xx to kms_error', async () => {
    fake.failNext(503);
    await expect(kms().wrap(randomBytes(32))).rejects.toMatchObject({ code: 'kms_unavailable', kind: 'unavailable' });
    fake.failNext(429);
    await expect(kms().wrap(randomBytes(32))).rejects.toMatchObject({ code: 'kms_unavailable' });
    fake.failNext(404);
    await expect(kms().wrap(randomBytes(32))).rejects.toMatchObject({ code: 'kms_error' });
  });

  it('times out instead of hanging when Vault is slow', async () => {
    fake.setDelay(500);
    try {
      const t0 = Date.now();
      await expect(kms({ timeoutMs: 100 }).wrap(randomBytes(32))).rejects.toMatchObject({ code: 'kms_timeout', kind: 'unavailable' });
      expect(Date.now() - t0).toBeLessThan(450);
    } finally {
      fake.setDelay(0);
    }
  });

  it('reports an unreachable Vault as kms_unreachable', async () => {
    await expect(kms({ address: 'http://127.0.0.1:1' }).wrap(randomBytes(32))).rejects.toMatchObject({ code: 'kms_unreachable' });
  });

  it('rejects bad configuration and never prints the token', () => {
    expect(() => kms({ keyName: 'bad/name' })).toThrow(expect.objectContaining({ code: 'kms_config_invalid' }));
    expect(() => kms({ address: 'not a url' })).toThrow(expect.objectContaining({ code: 'kms_config_invalid' }));
    const p = kms();
    expect(`${String(p)}${JSON.stringify({ p })}${inspect(p)}`).not.toContain(fake.token);
  });
});
