import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeVaultTransit } from '../../../test/helpers/fake-vault-transit.ts';
import { generateMasterKeyFileContent } from '../../vault/local-kek.ts';
import { Vault } from '../../vault/vault.ts';
import { DEVELOPMENT_KEK_FILE, DEVELOPMENT_KEK_MARKER, previousKeks, resolveKms } from './kms-from-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'anfu-kms-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('KEK selection at start-up', () => {
  it('sandbox without a key file generates a development KEK in the data dir once and reuses it', () => {
    const a = resolveKms({ mode: 'sandbox', dataDir: join(dir, 'sb'), kms: 'local' });
    const b = resolveKms({ mode: 'sandbox', dataDir: join(dir, 'sb'), kms: 'local' });
    expect(a.provider.development).toBe(true);
    expect(b.provider.kekId).toBe(a.provider.kekId);
    expect(readFileSync(join(dir, 'sb', DEVELOPMENT_KEK_FILE), 'utf8').startsWith(DEVELOPMENT_KEK_MARKER)).toBe(true);
  });

  it('live mode refuses no KEK, the development KEK, and a group-readable key file', () => {
    expect(() => resolveKms({ mode: 'live', dataDir: dir, kms: 'local' })).toThrow(expect.objectContaining({ code: 'master_key_required' }));
    expect(() => resolveKms({ mode: 'live', dataDir: dir, kms: 'local', masterKeyFile: join(dir, 'sb', DEVELOPMENT_KEK_FILE) })).toThrow(
      expect.objectContaining({ code: 'master_key_development_in_live' }),
    );
    const f = join(dir, 'live.key');
    writeFileSync(f, generateMasterKeyFileContent());
    chmodSync(f, 0o640);
    expect(() => resolveKms({ mode: 'live', dataDir: dir, kms: 'local', masterKeyFile: f })).toThrow(expect.objectContaining({ code: 'master_key_file_permissions' }));
    chmodSync(f, 0o600);
    const ok = resolveKms({ mode: 'live', dataDir: dir, kms: 'local', masterKeyFile: f });
    expect(ok.provider.development).toBe(false);
    // Not even for opening only, as the previous key of a rotation.
    const dev = join(dir, 'sb', DEVELOPMENT_KEK_FILE);
    expect(() => previousKeks({ mode: 'live', dataDir: dir, kms: 'local', masterKeyFile: f, previousMasterKeyFile: dev })).toThrow(
      expect.objectContaining({ code: 'master_key_development_in_live' }),
    );
    expect(previousKeks({ mode: 'sandbox', dataDir: dir, kms: 'local', previousMasterKeyFile: dev })[0]!.development).toBe(true);
    expect(previousKeks({ mode: 'live', dataDir: dir, kms: 'local', masterKeyFile: f, previousMasterKeyFile: f })[0]!.development).toBe(false);
  });

  it('reports malformed key files and incomplete Vault transit settings with stable codes', () => {
    const bad = join(dir, 'bad.key');
    writeFileSync(bad, 'not base64 at all!', { mode: 0o600 });
    expect(() => resolveKms({ mode: 'sandbox', dataDir: dir, kms: 'local', masterKeyFile: bad })).toThrow(expect.objectContaining({ code: 'master_key_malformed' }));
    const short = join(dir, 'short.key');
    writeFileSync(short, Buffer.alloc(16, 1).toString('base64'), { mode: 0o600 });
    expect(() => resolveKms({ mode: 'sandbox', dataDir: dir, kms: 'local', masterKeyFile: short })).toThrow(expect.objectContaining({ code: 'master_key_wrong_length' }));
    expect(() => resolveKms({ mode: 'live', dataDir: dir, kms: 'vault-transit' })).toThrow(expect.objectContaining({ code: 'kms_config_invalid' }));
  });

  it('selects Vault transit from configuration (token read from its file), accepted in live mode, sealing through the KMS', async () => {
    const fake = await startFakeVaultTransit();
    try {
      const tokenFile = join(dir, 'vault-token');
      writeFileSync(tokenFile, `${fake.token}\n`, { mode: 0o600 });
      const cfg = { mode: 'live' as const, dataDir: dir, kms: 'vault-transit' as const, vaultAddr: fake.url, vaultTokenFile: tokenFile, vaultTransitKey: 'anfu-kek' };
      const r = resolveKms(cfg);
      expect(r.provider.development).toBe(false);
      expect(r.source).not.toContain(fake.token);
      const vault = new Vault({ provider: r.provider });
      const sealed = await vault.seal('merchant:m1:apiv3_key', 'k'.repeat(32));
      expect(sealed.wrappedKey).toMatch(/^vault:v1:/);
      expect((await vault.openString('merchant:m1:apiv3_key', sealed)).reveal()).toBe('k'.repeat(32));
      expect(fake.requests.every((q) => q.token === fake.token)).toBe(true);
      writeFileSync(tokenFile, '   \n');
      expect(() => resolveKms(cfg)).toThrow(expect.objectContaining({ code: 'kms_config_invalid' }));
    } finally {
      await fake.close();
    }
  });
});
