import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isDevelopmentKek } from './kms-provider.ts';
import { assertKekAllowed } from './kek-policy.ts';
import { generateDevelopmentKek, generateMasterKeyFileContent, LocalKek, loadMasterKeyFile, parseMasterKey } from './local-kek.ts';

const dir = mkdtempSync(join(tmpdir(), 'anfu-kek-'));
function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content, { mode: 0o600 });
  return p;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('master key file', () => {
  it('loads 32 Base64 bytes with a trailing newline and wraps/unwraps a data key', async () => {
    const kek = loadMasterKeyFile(file('ok.key', generateMasterKeyFileContent()));
    expect(kek.kekId).toMatch(/^local:[0-9a-f]{16}$/);
    expect(isDevelopmentKek(kek)).toBe(false);
    const dk = randomBytes(32);
    const w = await kek.wrap(dk);
    expect((await kek.unwrap(w)).equals(dk)).toBe(true);
  });

  it('gives the same id to the same key and different ids to different keys', () => {
    const content = generateMasterKeyFileContent();
    expect(loadMasterKeyFile(file('a.key', content)).kekId).toBe(loadMasterKeyFile(file('b.key', content)).kekId);
    expect(loadMasterKeyFile(file('c.key', generateMasterKeyFileContent())).kekId).not.toBe(loadMasterKeyFile(file('a.key', content)).kekId);
  });

  it('names a missing file, a short key, garbage and an empty file with distinct codes', () => {
    expect(codeOf(() => loadMasterKeyFile(join(dir, 'absent.key')))).toBe('master_key_file_missing');
    expect(codeOf(() => loadMasterKeyFile(dir))).toBe('master_key_file_unreadable');
    expect(codeOf(() => loadMasterKeyFile(file('short.key', randomBytes(16).toString('base64'))))).toBe('master_key_wrong_length');
    expect(codeOf(() => loadMasterKeyFile(file('long.key', randomBytes(48).toString('base64'))))).toBe('master_key_wrong_length');
    expect(codeOf(() => loadMasterKeyFile(file('garbage.key', 'this is not base64 at all!')))).toBe('master_key_malformed');
    expect(codeOf(() => loadMasterKeyFile(file('empty.key', '  \n')))).toBe('master_key_empty');
    // 32 raw bytes written without Base64 must not be silently accepted.
    expect(codeOf(() => parseMasterKey(randomBytes(32).toString('latin1')))).toMatch(/^master_key_(malformed|wrong_length)$/);
  });

  it('in live mode refuses a key file that group or others can read', () => {
    const content = generateMasterKeyFileContent();
    const loose = file('loose.key', content);
    chmodSync(loose, 0o644);
    expect(codeOf(() => loadMasterKeyFile(loose, { requirePrivate: true }))).toBe('master_key_file_permissions');
    expect(loadMasterKeyFile(loose).kekId).toMatch(/^local:/);
    expect(loadMasterKeyFile(file('tight.key', content), { requirePrivate: true }).kekId).toMatch(/^local:/);
    expect(codeOf(() => loadMasterKeyFile(join(dir, 'absent2.key'), { requirePrivate: true }))).toBe('master_key_file_missing');
  });

  it('never echoes key material in errors or when printed', () => {
    const secret = randomBytes(16).toString('base64');
    try {
      parseMasterKey(secret);
    } catch (e) {
      expect(JSON.stringify(e)).not.toContain(secret);
      expect(String(e)).not.toContain(secret);
    }
    const raw = randomBytes(32);
    const kek = new LocalKek(raw);
    const printed = `${String(kek)} ${JSON.stringify({ kek })} ${inspect(kek)}`;
    expect(printed).not.toContain(raw.toString('base64'));
    expect(printed).not.toContain(raw.toString('hex'));
  });

  it('rejects a wrapped key from another KEK and a tampered wrapped key', async () => {
    const a = new LocalKek(randomBytes(32));
    const b = new LocalKek(randomBytes(32));
    const w = await a.wrap(randomBytes(32));
    await expect(b.unwrap(w)).rejects.toMatchObject({ code: 'kek_mismatch' });
    await expect(b.unwrap({ ...w, kekId: b.kekId })).rejects.toMatchObject({ code: 'kek_unwrap_failed' });
    const blob = Buffer.from(w.wrapped, 'base64');
    blob[20] = blob[20]! ^ 1;
    await expect(a.unwrap({ ...w, wrapped: blob.toString('base64') })).rejects.toMatchObject({ code: 'kek_unwrap_failed' });
  });
});

describe('development KEK', () => {
  it('says it is for development and live mode refuses it', () => {
    const dev = generateDevelopmentKek();
    expect(isDevelopmentKek(dev)).toBe(true);
    expect(dev.kekId).toMatch(/^dev:/);
    expect(assertKekAllowed('sandbox', dev)).toBe(dev);
    expect(codeOf(() => assertKekAllowed('live', dev))).toBe('master_key_development_in_live');
  });

  it('live and sandbox both refuse to run without any KEK', () => {
    expect(codeOf(() => assertKekAllowed('live', undefined))).toBe('master_key_required');
    expect(codeOf(() => assertKekAllowed('sandbox', undefined))).toBe('master_key_required');
  });

  it('live mode accepts a real master key file', () => {
    const kek = loadMasterKeyFile(file('live.key', generateMasterKeyFileContent()));
    expect(assertKekAllowed('live', kek)).toBe(kek);
  });
});
