import { createPublicKey, type KeyObject } from 'node:crypto';
import { AppError } from '../lib/errors.ts';
import { assertRsa } from './merchant-credentials.ts';

/** `PUB_KEY_ID_` followed by the id WeChat shows on the merchant platform. */
const PUBLIC_KEY_ID = /^PUB_KEY_ID_[0-9A-Za-z]{1,64}$/;

export interface WechatPayPublicKey {
  /** Sent by WeChat in `Wechatpay-Serial` when it signs with this key. */
  publicKeyId: string;
  publicKey: KeyObject;
}

/** Imports the WeChat Pay public key (pub_key.pem) and its id, both checked. */
export function importWechatPayPublicKey(input: { publicKeyId: string; publicKeyPem: string | Buffer }): WechatPayPublicKey {
  const id = input.publicKeyId.trim();
  if (!PUBLIC_KEY_ID.test(id)) {
    throw new AppError('invalid_input', 'credential_public_key_id_malformed', 'the WeChat Pay public key id must look like PUB_KEY_ID_0114…');
  }
  const text = typeof input.publicKeyPem === 'string' ? input.publicKeyPem : input.publicKeyPem.toString('utf8');
  if (/PRIVATE KEY-----/.test(text)) {
    // createPublicKey would happily derive a public key from a private PEM; a private key must never be uploaded here.
    throw new AppError('invalid_input', 'credential_private_key_supplied', 'a private key was supplied where the WeChat Pay public key belongs', { field: 'public_key' });
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(input.publicKeyPem);
  } catch {
    throw new AppError('invalid_input', 'credential_malformed_pem', 'the WeChat Pay public key is not a readable PEM public key', { field: 'public_key' });
  }
  assertRsa(publicKey, 'public_key');
  return { publicKeyId: id, publicKey };
}
