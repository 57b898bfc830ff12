import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Secret } from '../lib/secret.ts';
import { LocalKek } from '../vault/local-kek.ts';
import { Vault } from '../vault/vault.ts';
import { BlindIndexer } from './blind-index.ts';
import { PersonalDataProtector } from './personal-data.ts';

const protector = new PersonalDataProtector({
  vault: new Vault({ provider: new LocalKek(randomBytes(32)) }),
  indexer: new BlindIndexer(new Secret(randomBytes(32))),
});

describe('PersonalDataProtector', () => {
  it('stores the normalised value sealed, a lookup index and a mask, never the plaintext', async () => {
    const f = await protector.protect('phone', '+86 138-1234-5678', 'payment:pay_1');
    expect(f.masked).toBe('138****5678');
    expect(JSON.stringify(f)).not.toContain('12345678');
    expect(f.index).toBe(protector.lookupIndex('phone', '13812345678'));
    expect((await protector.reveal(f, 'payment:pay_1')).reveal()).toBe('13812345678');
  });

  it('a field copied to another row does not open', async () => {
    const f = await protector.protect('id_number', '11010519491231002X', 'applicant:a1');
    await expect(protector.reveal(f, 'applicant:a2')).rejects.toMatchObject({ code: 'secret_open_failed' });
    await expect(protector.reveal({ ...f, kind: 'bank_account' }, 'applicant:a1')).rejects.toMatchObject({ code: 'secret_open_failed' });
  });

  it('refuses invalid values and owner ids with stable codes', async () => {
    await expect(protector.protect('bank_account', '12ab', 'x:1')).rejects.toMatchObject({ code: 'pii_bank_account_invalid' });
    await expect(protector.protect('openid', 'oUpF8uMuAJO', 'bad owner')).rejects.toMatchObject({ code: 'pii_owner_invalid' });
  });
});
