import { randomBytes, verify } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFixture } from '../../test/helpers/fixtures.ts';
import { Secret } from '../lib/secret.ts';
import { buildAuthorization, LocalSigner } from '../wechatpay/signer.ts';
import { importMerchantCredentials, parseMerchantPrivateKey } from './merchant-credentials.ts';
import { RemoteSigner } from './remote-signer.ts';
import { createSigningService } from './signing-service.ts';

const creds = importMerchantCredentials({
  certificatePem: readFixture('official/java-merchant_certificate.pem'),
  privateKeyPem: readFixture('official/java-merchant_private_key.pem'),
  nowMs: Date.parse('2024-01-01T00:00:00Z'),
});
const otherKey = parseMerchantPrivateKey(readFixture('official/go-test_private_key.pem'));
const TOKEN = randomBytes(32).toString('base64url');
const MCHID = '1900000109';

let server: Server;
let url: string;

beforeAll(async () => {
  // One real key under the merchant serial, and a wrong key under another id to test fail-closed verification.
  server = createSigningService({ keys: { [creds.serial]: creds.privateKey, WRONGKEY: otherKey }, token: new Secret(TOKEN) });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function remote(over: Partial<ConstructorParameters<typeof RemoteSigner>[0]> = {}): RemoteSigner {
  return new RemoteSigner({ url, token: new Secret(TOKEN), mchid: MCHID, serialNo: creds.serial, verifyWith: creds.publicKey, timeoutMs: 2_000, ...over });
}

describe('RemoteSigner with the reference signing service', () => {
  it('produces signatures that verify with the merchant certificate and equal the local signer’s', async () => {
    const local = new LocalSigner({ mchid: MCHID, serialNo: creds.serial, privateKey: creds.privateKey });
    for (const message of ['GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n', '中文 body\n', '']) {
      const sig = await remote().sign(message);
      expect(verify('sha256', Buffer.from(message), creds.publicKey, Buffer.from(sig, 'base64'))).toBe(true);
      expect(sig).toBe(await local.sign(message));
    }
  });

  it('drops into buildAuthorization like any Signer', async () => {
    const header = await buildAuthorization(remote(), { method: 'GET', canonicalUrl: '/v3/certificates', body: '', timestamp: 1554208460, nonce: 'N' });
    expect(header).toContain(`serial_no="${creds.serial}"`);
  });

  it('is refused by the service with a wrong or missing token', async () => {
    await expect(remote({ token: new Secret('x'.repeat(43)) }).sign('m')).rejects.toMatchObject({ code: 'remote_signer_unauthorized' });
    const res = await fetch(`${url}/v1/sign`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
  });

  it('reports an unknown key serial', async () => {
    await expect(remote({ serialNo: 'ABCDEF', verifyWith: undefined }).sign('m')).rejects.toMatchObject({ code: 'remote_signer_unknown_key' });
  });

  it('fails closed when the service signs with a key that does not match the certificate', async () => {
    await expect(remote({ serialNo: 'WRONGKEY' }).sign('m')).rejects.toMatchObject({ code: 'remote_signer_bad_signature' });
  });

  it('answers malformed requests with 400 and never returns key material', async () => {
    const res = await fetch(`${url}/v1/sign`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{"key_id":"x","message":"***"}' });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).not.toContain('PRIVATE');
  });

  it('times out against a service that never answers', async () => {
    const { createServer } = await import('node:http');
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as AddressInfo).port;
      await expect(remote({ url: `http://127.0.0.1:${port}`, timeoutMs: 150 }).sign('m')).rejects.toMatchObject({ code: 'remote_signer_timeout' });
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  it('never prints its token', () => {
    const s = remote();
    expect(`${String(s)}${JSON.stringify({ s })}${inspect(s)}`).not.toContain(TOKEN);
  });

  it('refuses a weak service token at start-up', () => {
    expect(() => createSigningService({ keys: {}, token: new Secret('short') })).toThrow();
  });
});
