import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { findLeaks, type WatchedSecret } from '../../test/helpers/leak-scan.ts';
import { readFixture } from '../../test/helpers/fixtures.ts';
import { createLogger } from '../lib/logger.ts';
import { Secret } from '../lib/secret.ts';
import { importApiV3Key } from '../credentials/apiv3-key.ts';
import { importMerchantCredentials } from '../credentials/merchant-credentials.ts';
import { RemoteSigner } from '../credentials/remote-signer.ts';
import { newSessionToken } from '../operators/session.ts';
import { newTotpSecret } from '../operators/totp.ts';
import { BlindIndexer } from '../privacy/blind-index.ts';
import { PersonalDataProtector } from '../privacy/personal-data.ts';
import { LocalKek } from './local-kek.ts';
import { Vault } from './vault.ts';
import { VaultTransitKms } from './vault-transit-kms.ts';

/**
 * Issue 4 §7 for this layer: logging every object these modules hand out — keys, providers,
 * signers, opened secrets, protected fields and the errors they throw — leaks none of the secrets.
 */
describe('secret hygiene of key custody objects', () => {
  it('logs none of the KEK, APIv3 key, private key, tokens, TOTP seed or personal data', async () => {
    const kekBytes = randomBytes(32);
    const indexKey = randomBytes(32);
    const apiv3 = 'Zx8kP2qR7vW3nM5tY1uH4jL6gF9dS0aQ';
    const privateKeyPem = readFixture('official/java-merchant_private_key.pem');
    const vaultToken = `hvs.${randomBytes(18).toString('hex')}`;
    const signerToken = randomBytes(32).toString('base64url');
    const session = newSessionToken();
    const totp = newTotpSecret();
    const phone = '13912345678';
    const openid = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';

    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ level: 'trace', destination: sink });

    const kek = new LocalKek(kekBytes);
    const vault = new Vault({ provider: kek });
    const sealedKey = await vault.seal('merchant:1:apiv3', importApiV3Key(apiv3).reveal());
    const opened = await vault.openString('merchant:1:apiv3', sealedKey);
    const creds = importMerchantCredentials({
      certificatePem: readFixture('official/java-merchant_certificate.pem'),
      privateKeyPem,
      nowMs: Date.parse('2024-01-01T00:00:00Z'),
    });
    const transit = new VaultTransitKms({ address: 'http://127.0.0.1:1', token: new Secret(vaultToken), keyName: 'k', timeoutMs: 200 });
    const signer = new RemoteSigner({ url: 'http://127.0.0.1:1', token: new Secret(signerToken), mchid: '1900000109', serialNo: creds.serial, timeoutMs: 200 });
    const protector = new PersonalDataProtector({ vault, indexer: new BlindIndexer(new Secret(indexKey)) });
    const field = await protector.protect('phone', phone, 'payment:pay_1');
    const payer = await protector.protect('openid', openid, 'payment:pay_1');

    const errors: unknown[] = [];
    for (const attempt of [
      () => transit.wrap(randomBytes(32)),
      () => signer.sign('GET\n/v3/x\n1\nn\n\n'),
      () => vault.open('merchant:2:apiv3', sealedKey),
      () => protector.protect('phone', `${phone}x`, 'payment:pay_2'),
      async () => importApiV3Key(`${apiv3}!`),
    ]) {
      try {
        await attempt();
      } catch (e) {
        errors.push(e);
      }
    }
    expect(errors).toHaveLength(5);

    log.info({ kek, vault, sealedKey, opened, creds, transit, signer, session, totp, field, payer }, 'objects');
    for (const err of errors) log.error({ err }, 'failure');
    log.info(`template ${String(opened)} ${String(totp)} ${String(session.token)} ${String(kek)}`);

    const watched: WatchedSecret[] = [
      { label: 'kek', value: kekBytes },
      { label: 'index key', value: indexKey },
      { label: 'apiv3 key', value: apiv3 },
      { label: 'private key body', value: privateKeyPem.split('\n')[5]! },
      { label: 'vault token', value: vaultToken },
      { label: 'signer token', value: signerToken },
      { label: 'session token', value: session.token.reveal() },
      { label: 'totp seed', value: totp.reveal() },
      { label: 'phone', value: phone },
      { label: 'openid', value: openid },
    ];
    const output = chunks.join('');
    expect(output).toContain('139****5678'); // masks are what logs show
    expect(findLeaks(output, watched)).toEqual([]);
  });
});
