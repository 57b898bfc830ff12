import { randomBytes, randomUUID } from 'node:crypto';
import { request } from 'undici';
import type { Clock } from '../lib/clock.ts';
import { toRfc3339Cst, unixSeconds } from '../lib/clock.ts';
import { sealResource } from '../wechatpay/aead.ts';
import { signResponse } from '../wechatpay/response-signer.ts';
import type { SandboxMerchant } from './sandbox-merchant.ts';
import type { Faults } from './faults.ts';
import { notificationKeyFor, type KeyMode } from './signing-keys.ts';
import type { SimPendingNotification, SimState } from './state.ts';

/** WeChat's retry intervals after a failed delivery, in seconds (spec §3.4): 15 retries over 24 h 4 m. */
export const RETRY_SCHEDULE_SECONDS = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600];
/** The merchant must answer within 5 s or the attempt counts as failed (spec §3.3). */
const DELIVERY_TIMEOUT_MS = 5000;

export interface NotificationEvent {
  url: string;
  event_type: 'TRANSACTION.SUCCESS' | 'REFUND.SUCCESS' | 'REFUND.ABNORMAL' | 'REFUND.CLOSED';
  summary: string;
  original_type: 'transaction' | 'refund';
  plaintext: unknown;
  out_trade_no: string;
  out_refund_no?: string;
}

export interface DeliveryRecord {
  notification_id: string;
  event_type: string;
  out_trade_no: string;
  out_refund_no?: string;
  url: string;
  attempt: number;
  kind: 'notification' | 'probe' | 'duplicate';
  at: string;
  outcome: 'delivered' | 'failed' | 'dropped';
  status?: number;
  error?: string;
}

/** What a delivery needs; persisted (with the next attempt and when) until delivered or given up. */
type Pending = Omit<SimPendingNotification, 'attempt' | 'next_at'>;

export class Notifier {
  readonly #merchant: SandboxMerchant;
  readonly #mode: KeyMode;
  readonly #clock: Clock;
  readonly #faults: Faults;
  readonly #timeScale: number;
  readonly #state: SimState | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #log: DeliveryRecord[] = [];
  #held: Pending[] = [];
  #closed = false;

  /** With `state`, undelivered notifications survive a restart (see resume()). */
  constructor(opts: { merchant: SandboxMerchant; keyMode: KeyMode; clock: Clock; faults: Faults; timeScale: number; state?: SimState }) {
    this.#state = opts.state;
    this.#merchant = opts.merchant;
    this.#mode = opts.keyMode;
    this.#clock = opts.clock;
    this.#faults = opts.faults;
    this.#timeScale = opts.timeScale;
  }

  /** The delivery log, oldest first (copies: callers cannot change history). */
  log(): DeliveryRecord[] {
    return this.#log.map((r) => ({ ...r }));
  }

  /** Encrypts and queues one event; delivery happens asynchronously. */
  send(event: NotificationEvent): string {
    const id = randomUUID();
    const sealed = sealResource(this.#merchant.apiV3Key, JSON.stringify(event.plaintext), { associatedData: event.original_type });
    const body = JSON.stringify({
      id,
      create_time: toRfc3339Cst(this.#clock.now()),
      resource_type: 'encrypt-resource',
      event_type: event.event_type,
      summary: event.summary,
      resource: {
        original_type: event.original_type,
        algorithm: sealed.algorithm,
        ciphertext: sealed.ciphertext,
        associated_data: event.original_type,
        nonce: sealed.nonce,
      },
    });
    const pending: Pending = { id, body, url: event.url, event_type: event.event_type, out_trade_no: event.out_trade_no, ...(event.out_refund_no ? { out_refund_no: event.out_refund_no } : {}) };
    if (this.#faults.dropNotification()) {
      this.#record(pending, 0, 'notification', { outcome: 'dropped' });
      return id;
    }
    const window = this.#faults.reorderWindowMs;
    this.#persist(pending, 0, Date.now() + window);
    if (window > 0) {
      // Held events go out newest first when the window closes: a deliberate reordering.
      this.#held.push(pending);
      if (this.#held.length === 1) {
        this.#later(window, () => {
          const batch = this.#held.reverse();
          this.#held = [];
          for (const p of batch) void this.#attempt(p, 0);
        });
      }
      return id;
    }
    void this.#attempt(pending, 0);
    return id;
  }

  /** Re-schedules what the previous run left undelivered, each at its planned time (or now, if that passed). */
  resume(): void {
    for (const n of this.#state?.pendingNotifications() ?? []) {
      const { attempt, next_at: nextAt, ...p } = n;
      this.#later(Math.max(0, nextAt - Date.now()), () => void this.#attempt(p, attempt));
    }
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #later(ms: number, fn: () => void): void {
    if (this.#closed) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.#closed) fn();
    }, ms);
    t.unref?.();
    this.#timers.add(t);
  }

  async #attempt(p: Pending, attempt: number): Promise<void> {
    if (this.#closed) return;
    if (this.#faults.signatureProbe) await this.#post(p, attempt, 'probe');
    const ok = await this.#post(p, attempt, 'notification');
    if (ok && this.#faults.duplicateNotifications) await this.#post(p, attempt, 'duplicate');
    if (ok || attempt >= RETRY_SCHEDULE_SECONDS.length) {
      this.#state?.notificationDone(p.id);
      return;
    }
    // Stopped meanwhile: the next run retries this attempt from what was persisted.
    if (this.#closed) return;
    const delayMs = (RETRY_SCHEDULE_SECONDS[attempt]! * 1000) / this.#timeScale;
    this.#persist(p, attempt + 1, Date.now() + delayMs);
    this.#later(delayMs, () => void this.#attempt(p, attempt + 1));
  }

  #persist(p: Pending, attempt: number, nextAt: number): void {
    this.#state?.putPendingNotification({ ...p, attempt, next_at: nextAt });
  }

  async #post(p: Pending, attempt: number, kind: DeliveryRecord['kind']): Promise<boolean> {
    const signer = notificationKeyFor(this.#merchant, this.#mode);
    const headers = signResponse(signer.key, { serial: signer.serial, body: p.body, timestamp: unixSeconds(this.#clock) });
    if (kind === 'probe') {
      // WeChat's probe carries a signature that can never verify; a correct receiver answers 4xx/5xx.
      headers['Wechatpay-Signature'] = `WECHATPAY/SIGNTEST/${randomBytes(256).toString('base64')}`;
    }
    try {
      const res = await request(p.url, {
        method: 'POST',
        headers: {
          ...headers,
          'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
          'Content-Type': 'application/json',
          Accept: '*/*',
          'User-Agent': 'Mozilla/4.0',
          'Request-ID': randomBytes(20).toString('hex').toUpperCase(),
        },
        body: p.body,
        headersTimeout: DELIVERY_TIMEOUT_MS,
        bodyTimeout: DELIVERY_TIMEOUT_MS,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      await res.body.dump();
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      this.#record(p, attempt, kind, { outcome: ok ? 'delivered' : 'failed', status: res.statusCode });
      return ok;
    } catch (e) {
      this.#record(p, attempt, kind, { outcome: 'failed', error: e instanceof Error ? e.name : 'error' });
      return false;
    }
  }

  #record(p: Pending, attempt: number, kind: DeliveryRecord['kind'], r: Pick<DeliveryRecord, 'outcome' | 'status' | 'error'>): void {
    const rec: DeliveryRecord = {
      notification_id: p.id,
      event_type: p.event_type,
      out_trade_no: p.out_trade_no,
      url: p.url,
      attempt,
      kind,
      at: toRfc3339Cst(this.#clock.now()),
      ...r,
    };
    if (p.out_refund_no) rec.out_refund_no = p.out_refund_no;
    this.#log.push(rec);
    if (this.#log.length > 10_000) this.#log.shift();
  }
}
