import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocalKek } from './local-kek.ts';
import { parseSealedSecret, type SealedSecret } from './sealed-secret.ts';
import { Vault } from './vault.ts';

const vault = new Vault({ provider: new LocalKek(randomBytes(32)) });

describe('Vault seal/open', () => {
  it('round-trips bytes and strings and never prints the opened value', async () => {
    const sealed = await vault.seal('merchant:1900000001:apiv3', 'a'.repeat(32));
    const opened = await vault.openString('merchant:1900000001:apiv3', sealed);
    expect(opened.reveal()).toBe('a'.repeat(32));
    expect(`${String(opened)}${JSON.stringify({ opened })}${inspect(opened)}`).not.toContain('aaaa');
    const bytes = randomBytes(100);
    expect((await vault.open('k', await vault.seal('k', bytes))).reveal().equals(bytes)).toBe(true);
  });

  it('stores no plaintext and draws a fresh data key and IV per seal', async () => {
    const plaintext = 'PLAINTEXT-MARKER-0123456789';
    const a = await vault.seal('s1', plaintext);
    const b = await vault.seal('s1', plaintext);
    expect(JSON.stringify(a)).not.toContain(plaintext);
    expect(JSON.stringify(a)).not.toContain(Buffer.from(plaintext).toString('base64'));
    expect(a.iv).not.toBe(b.iv);
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it('survives a JSON round trip through storage and validates the shape on the way back', async () => {
    const sealed = await vault.seal('s2', 'hello');
    const back = parseSealedSecret(JSON.stringify(sealed));
    expect((await vault.openString('s2', back)).reveal()).toBe('hello');
    expect(() => parseSealedSecret('{"format":1}')).toThrow(expect.objectContaining({ code: 'sealed_secret_malformed' }));
    expect(() => parseSealedSecret('not json')).toThrow(expect.objectContaining({ code: 'sealed_secret_malformed' }));
  });

  it('fails to open a record moved to another secret id', async () => {
    const sealed = await vault.seal('merchant:A:apiv3', 'secret-A');
    await expect(vault.open('merchant:B:apiv3', sealed)).rejects.toMatchObject({ code: 'secret_open_failed' });
  });

  it('fails to open a record whose version was changed (no rollback to an old version)', async () => {
    const v1 = await vault.seal('s3', 'old', { version: 1 });
    await expect(vault.open('s3', { ...v1, version: 2 })).rejects.toMatchObject({ code: 'secret_open_failed' });
  });

  it('detects tampering with any single field', async () => {
    const sealed = await vault.seal('s4', randomBytes(64));
    const flip = (b64: string, i: number): string => {
      const b = Buffer.from(b64, 'base64');
      b[i % b.length] = b[i % b.length]! ^ 0x01;
      return b.toString('base64');
    };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<keyof SealedSecret>('wrappedKey', 'iv', 'ciphertext', 'tag'), fc.nat(), async (field, i) => {
        const tampered = { ...sealed, [field]: flip(sealed[field] as string, i) };
        await expect(vault.open('s4', tampered)).rejects.toBeDefined();
      }),
      { numRuns: 60 },
    );
    await expect(vault.open('s4', { ...sealed, kekId: 'local:0000000000000000' })).rejects.toMatchObject({ code: 'kek_unknown' });
  });

  it('swapping wrapped keys between two records fails both', async () => {
    const a = await vault.seal('a', 'AAAA');
    const b = await vault.seal('b', 'BBBB');
    await expect(vault.open('a', { ...a, wrappedKey: b.wrappedKey })).rejects.toMatchObject({ code: 'secret_open_failed' });
    await expect(vault.open('b', { ...b, ciphertext: a.ciphertext, tag: a.tag, iv: a.iv })).rejects.toMatchObject({ code: 'secret_open_failed' });
  });

  it('rejects malformed secret ids and versions with stable codes', async () => {
    await expect(vault.seal('', 'x')).rejects.toMatchObject({ code: 'secret_id_invalid' });
    await expect(vault.seal('has space', 'x')).rejects.toMatchObject({ code: 'secret_id_invalid' });
    await expect(vault.seal('ok', 'x', { version: 0 })).rejects.toMatchObject({ code: 'secret_version_invalid' });
    await expect(vault.seal('ok', Buffer.alloc(1024 * 1024 + 1))).rejects.toMatchObject({ code: 'secret_too_large' });
  });

  it('a vault with a different KEK cannot open the records', async () => {
    const other = new Vault({ provider: new LocalKek(randomBytes(32)) });
    const sealed = await vault.seal('s5', 'x');
    await expect(other.open('s5', sealed)).rejects.toMatchObject({ code: 'kek_unknown' });
  });
});
