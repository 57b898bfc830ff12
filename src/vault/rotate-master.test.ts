import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../lib/secret.ts';
import { startFakeVaultTransit, type FakeVaultTransit } from '../../test/helpers/fake-vault-transit.ts';
import type { KmsProvider, WrappedKey } from './kms-provider.ts';
import { generateDevelopmentKek, LocalKek } from './local-kek.ts';
import { rotateMaster } from './rotate-master.ts';
import { MemorySealedSecretStore } from './sealed-secret-store.ts';
import { Vault } from './vault.ts';
import { VaultTransitKms } from './vault-transit-kms.ts';

async function seeded(vault: Vault, n: number): Promise<{ store: MemorySealedSecretStore; values: Map<string, string> }> {
  const store = new MemorySealedSecretStore();
  const values = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const id = `secret:${String(i).padStart(4, '0')}`;
    const value = randomBytes(12).toString('hex');
    values.set(id, value);
    store.put(id, await vault.seal(id, value));
  }
  return { store, values };
}

async function expectAllOpen(vault: Vault, store: MemorySealedSecretStore, values: Map<string, string>): Promise<void> {
  for (const [id, value] of values) expect((await vault.openString(id, store.get(id)!)).reveal()).toBe(value);
}

/** Fails the N-th wrap, to simulate a process killed in the middle of a rotation. */
class FailingAfter implements KmsProvider {
  constructor(
    readonly inner: KmsProvider,
    public budget: number,
  ) {}
  get kekId(): string {
    return this.inner.kekId;
  }
  readonly development = false;
  readonly versioned = false;
  keyVersion(w: WrappedKey): string {
    return this.inner.keyVersion(w);
  }
  async wrap(dk: Buffer): Promise<WrappedKey> {
    if (this.budget-- <= 0) throw new Error('simulated crash');
    return this.inner.wrap(dk);
  }
  unwrap(w: WrappedKey): Promise<Buffer> {
    return this.inner.unwrap(w);
  }
  rewrap(w: WrappedKey): Promise<WrappedKey> {
    return this.inner.rewrap(w);
  }
}

describe('rotateMaster', () => {
  it('re-wraps every data key under the new KEK without touching the ciphertexts', async () => {
    const vault = new Vault({ provider: generateDevelopmentKek() });
    const { store, values } = await seeded(vault, 25);
    const before = new Map([...values.keys()].map((id) => [id, store.get(id)!]));
    const next = new LocalKek(randomBytes(32));
    const report = await rotateMaster(vault, store, next, { pageSize: 7 });
    expect(report).toMatchObject({ rewrapped: 25, alreadyCurrent: 0, conflicts: 0 });
    for (const [id, old] of before) {
      const now = store.get(id)!;
      expect(now.kekId).toBe(next.kekId);
      expect(now.wrappedKey).not.toBe(old.wrappedKey);
      expect({ ...now, kekId: '', wrappedKey: '' }).toEqual({ ...old, kekId: '', wrappedKey: '' });
    }
    // Only the new KEK is needed from now on.
    await expectAllOpen(new Vault({ provider: next }), store, values);
  });

  it('is idempotent when interrupted and re-run', async () => {
    const vault = new Vault({ provider: new LocalKek(randomBytes(32)) });
    const { store, values } = await seeded(vault, 10);
    const next = new LocalKek(randomBytes(32));
    await expect(rotateMaster(vault, store, new FailingAfter(next, 4), { pageSize: 3 })).rejects.toThrow('simulated crash');
    await expectAllOpen(vault, store, values);
    const report = await rotateMaster(vault, store, next, { pageSize: 3 });
    expect(report).toMatchObject({ rewrapped: 6, alreadyCurrent: 4 });
    const again = await rotateMaster(vault, store, next);
    expect(again).toMatchObject({ rewrapped: 0, alreadyCurrent: 10 });
    await expectAllOpen(new Vault({ provider: next }), store, values);
  });

  it('keeps serving reads and writes while it runs', async () => {
    const vault = new Vault({ provider: new LocalKek(randomBytes(32)) });
    const { store, values } = await seeded(vault, 40);
    const next = new LocalKek(randomBytes(32));
    let stop = false;
    let reads = 0;
    const reader = (async () => {
      while (!stop) {
        for (const [id, value] of values) {
          expect((await vault.openString(id, store.get(id)!)).reveal()).toBe(value);
          reads++;
        }
        // Yield to the event loop: local unwraps resolve as microtasks and would starve everything else.
        await new Promise((r) => setImmediate(r));
      }
    })();
    // A writer re-seals some secrets during the rotation: its records must not be overwritten with stale keys.
    const writer = (async () => {
      for (let i = 0; i < 40; i += 5) {
        const id = `secret:${String(i).padStart(4, '0')}`;
        const value = `rewritten-${i}`;
        values.set(id, value);
        store.put(id, await vault.seal(id, value, { version: 2 }));
        await new Promise((r) => setImmediate(r));
      }
    })();
    const report = await rotateMaster(vault, store, next, { pageSize: 4 });
    await writer;
    stop = true;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect(report.rewrapped + report.alreadyCurrent).toBeGreaterThanOrEqual(32);
    for (const id of values.keys()) expect(store.get(id)!.kekId).toBe(next.kekId);
    await expectAllOpen(new Vault({ provider: next }), store, values);
  });
});

describe('rotateMaster with Vault transit', () => {
  let fake: FakeVaultTransit;
  beforeAll(async () => {
    fake = await startFakeVaultTransit();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('moves records from a local KEK to Vault, then to a newer Vault key version', async () => {
    const vault = new Vault({ provider: new LocalKek(randomBytes(32)) });
    const { store, values } = await seeded(vault, 6);
    const transit = new VaultTransitKms({ address: fake.url, token: new Secret(fake.token), keyName: 'rotation' });
    expect(await rotateMaster(vault, store, transit)).toMatchObject({ rewrapped: 6 });
    for (const id of values.keys()) expect(store.get(id)!.wrappedKey).toMatch(/^vault:v1:/);
    expect(await rotateMaster(vault, store, transit)).toMatchObject({ rewrapped: 0, alreadyCurrent: 6 });
    fake.rotate('rotation');
    expect(await rotateMaster(vault, store, transit)).toMatchObject({ rewrapped: 6 });
    for (const id of values.keys()) expect(store.get(id)!.wrappedKey).toMatch(/^vault:v2:/);
    await expectAllOpen(new Vault({ provider: transit }), store, values);
  });
});
