import { createPublicKey } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../lib/clock.ts';
import type { Database } from '../db/schema.ts';
import type { Vault } from '../vault/vault.ts';
import type { Merchant } from '../domain/merchant.ts';
import { getMerchant, loadMerchantCredentials } from './merchants/merchants.ts';
import { ApiV3Key } from '../wechatpay/aead.ts';
import { downloadCertificates } from '../wechatpay/certificates.ts';
import { WechatPayClient, type WechatPayClientOptions } from '../wechatpay/client.ts';
import { loadCertificate, loadPrivateKey, loadPublicKey } from '../wechatpay/keys.ts';
import { NotificationParser } from '../wechatpay/notification.ts';
import type { RetryOptions } from '../wechatpay/retry-policy.ts';
import { LocalSigner, type Signer } from '../wechatpay/signer.ts';
import { RemoteSigner } from '../credentials/remote-signer.ts';
import { CertificateRefresher } from '../wechatpay/validator.ts';
import { WechatPayKeyStore } from '../wechatpay/verifier.ts';

/** Everything needed to talk to WeChat Pay for one merchant; keys are parsed once and cached. */
export interface MerchantWechat {
  merchant: Merchant;
  client: WechatPayClient;
  notifications: NotificationParser;
  keyStore: WechatPayKeyStore;
  /** Webhook signing secrets, current first (two during a rotation). */
  webhookSecrets: string[];
}

export interface WechatGatewayOptions {
  db: Kysely<Database>;
  clock: Clock;
  /** Opens the merchant's sealed secrets. */
  vault: Vault;
  timeoutMs: number;
  retry?: Partial<RetryOptions>;
  /** Certificate mode: minimum time between two certificate refreshes triggered by unknown serials. */
  certificateRefreshIntervalMs?: number;
  /** Tests only: do not wait between retries. */
  sleep?: (ms: number) => Promise<void>;
  /** Observes every WeChat HTTP attempt (Prometheus latency histograms, src/metrics). */
  onCall?: WechatPayClientOptions['onCall'];
}

/**
 * Builds and caches a WeChat Pay client per merchant from its stored credentials. Services ask it for
 * a merchant's client; configuration changes (key rotation) call `invalidate`.
 */
export class WechatGateway {
  readonly #opts: WechatGatewayOptions;
  readonly #cache = new Map<string, Promise<MerchantWechat>>();

  constructor(opts: WechatGatewayOptions) {
    this.#opts = opts;
  }

  forMerchant(merchantId: string): Promise<MerchantWechat> {
    let p = this.#cache.get(merchantId);
    if (!p) {
      p = this.#build(merchantId);
      // A failed build (e.g. unknown merchant) must not stick in the cache.
      p.catch(() => this.#cache.delete(merchantId));
      this.#cache.set(merchantId, p);
    }
    return p;
  }

  async invalidate(merchantId: string): Promise<void> {
    const p = this.#cache.get(merchantId);
    this.#cache.delete(merchantId);
    if (p) await (await p.catch(() => undefined))?.client.close();
  }

  async close(): Promise<void> {
    const all = [...this.#cache.values()];
    this.#cache.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.client.close()));
  }

  async #build(merchantId: string): Promise<MerchantWechat> {
    const deps = { db: this.#opts.db, clock: this.#opts.clock, vault: this.#opts.vault };
    const merchant = await getMerchant(deps, merchantId);
    const creds = await loadMerchantCredentials(deps, merchantId);
    const keyStore = new WechatPayKeyStore();
    if (creds.wechatpayPublicKeyId && creds.wechatpayPublicKeyPem) {
      keyStore.addPublicKey(creds.wechatpayPublicKeyId, loadPublicKey(creds.wechatpayPublicKeyPem));
    }
    for (const c of creds.platformCertificates) keyStore.addCertificate(loadCertificate(c.pem));
    const apiV3Key = ApiV3Key.from(creds.apiv3Key.reveal());
    // Remote mode: the key lives in the merchant's signing service (HSM/KMS); the sealed local key is
    // kept for switching back but never parsed here. Signatures are checked against the merchant
    // certificate when one is stored, so a service holding the wrong key fails before WeChat sees it.
    const signer: Signer = creds.remoteSigner
      ? new RemoteSigner({
          url: creds.remoteSigner.url,
          token: creds.remoteSigner.token,
          mchid: merchant.mchid,
          serialNo: merchant.merchantSerial,
          timeoutMs: this.#opts.timeoutMs,
          ...(creds.merchantCertPem ? { verifyWith: createPublicKey(creds.merchantCertPem) } : {}),
        })
      : new LocalSigner({ mchid: merchant.mchid, serialNo: merchant.merchantSerial, privateKey: loadPrivateKey(creds.merchantPrivateKeyPem.reveal()) });
    const baseUrls: readonly [string] | readonly [string, string] = merchant.wechatApiBackupUrl
      ? [merchant.wechatApiBaseUrl, merchant.wechatApiBackupUrl]
      : [merchant.wechatApiBaseUrl];
    const refresher =
      merchant.keyMode === 'platform_certificate'
        ? new CertificateRefresher({
            clock: this.#opts.clock,
            minIntervalMs: this.#opts.certificateRefreshIntervalMs ?? 60_000,
            refresh: async () => {
              // Called only after construction below, so `client` is initialised by then.
              await downloadCertificates(client, { apiV3Key, store: keyStore, clock: this.#opts.clock });
            },
          })
        : undefined;
    const client: WechatPayClient = new WechatPayClient({
      mchid: merchant.mchid,
      appid: merchant.appid,
      signer,
      verifier: keyStore,
      ...(refresher ? { onUnknownSerial: refresher.hook } : {}),
      baseUrls,
      clock: this.#opts.clock,
      timeoutMs: this.#opts.timeoutMs,
      ...(this.#opts.retry ? { retry: this.#opts.retry } : {}),
      ...(this.#opts.sleep ? { sleep: this.#opts.sleep } : {}),
      ...(this.#opts.onCall ? { onCall: this.#opts.onCall } : {}),
    });
    // During an APIv3 key change the previous key still opens notifications until its window ends.
    const previous = creds.apiv3KeyPrevious ? { key: ApiV3Key.from(creds.apiv3KeyPrevious.key.reveal()), untilMs: creds.apiv3KeyPrevious.expiresAt.getTime() } : undefined;
    const clock = this.#opts.clock;
    const notifications = new NotificationParser({
      validator: client.validator,
      apiV3Key,
      previousKeys: () => (previous && clock.now() < previous.untilMs ? [previous.key] : []),
    });
    return { merchant, client, notifications, keyStore, webhookSecrets: creds.webhookSecrets.map((s) => s.reveal()) };
  }
}
