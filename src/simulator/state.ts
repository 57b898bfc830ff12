import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** An H5 order as the simulator keeps it; WeChat's field names, amounts in fen. */
export interface SimOrder {
  appid: string;
  mchid: string;
  out_trade_no: string;
  description: string;
  notify_url: string;
  attach?: string;
  goods_tag?: string;
  time_expire?: string;
  amount: { total: number; currency: string };
  scene_info: { payer_client_ip: string; device_id?: string; h5_info: { type: string } };
  /** Canonical JSON of the validated first request: re-entry must match it exactly. */
  fingerprint: string;
  created_at: number;
  trade_state: 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';
  transaction_id?: string;
  success_time?: number;
  payer_openid?: string;
  closed_at?: number;
}

export interface SimPrepay {
  prepay_id: string;
  package: string;
  out_trade_no: string;
  issued_at: number;
}

export type RefundStatus = 'PROCESSING' | 'SUCCESS' | 'ABNORMAL' | 'CLOSED';

export interface SimRefund {
  refund_id: string;
  out_refund_no: string;
  out_trade_no: string;
  transaction_id: string;
  reason?: string;
  notify_url?: string;
  fingerprint: string;
  amount: { refund: number; total: number; currency: string };
  status: RefundStatus;
  create_time: number;
  success_time?: number;
  /** Real-time ms at which a PROCESSING refund settles; restored timers use it after a restart. */
  settle_at?: number;
  /** Outcome the refund settles to (ABNORMAL or CLOSED when injected through faults). */
  settle_to?: 'SUCCESS' | 'ABNORMAL' | 'CLOSED';
}

/** A notification not yet delivered: its retries go on after a restart, as WeChat's would. */
export interface SimPendingNotification {
  id: string;
  /** The exact body: every attempt re-signs the same bytes. */
  body: string;
  url: string;
  event_type: 'TRANSACTION.SUCCESS' | 'REFUND.SUCCESS' | 'REFUND.ABNORMAL' | 'REFUND.CLOSED';
  out_trade_no: string;
  out_refund_no?: string;
  /** The attempt to make next (0 = the first delivery). */
  attempt: number;
  /** Real-time ms at which that attempt is due. */
  next_at: number;
}

interface StateFile {
  version: 1;
  orders: Record<string, SimOrder>;
  prepays: Record<string, SimPrepay>;
  refunds: Record<string, SimRefund>;
  notifications: Record<string, SimPendingNotification>;
}

/**
 * All simulator state in a JSON snapshot plus an append-only journal of changes (one JSON line per
 * put). Every answered call is appended before the answer leaves, so a crash loses nothing; opening
 * replays the journal (a torn last line from a crash is ignored) and compacts it into a new snapshot
 * written atomically (temp file + rename). Appending one line per change keeps writes O(change)
 * instead of rewriting the whole file on every order, which dominated CPU under load.
 */
type JournalEntry =
  | { k: 'order'; v: SimOrder }
  | { k: 'prepay'; v: SimPrepay }
  | { k: 'refund'; v: SimRefund }
  | { k: 'notification'; v: SimPendingNotification }
  | { k: 'notification_done'; id: string };

/** Compact once the journal holds this many entries, so replay at start stays short. */
const COMPACT_AFTER = 5_000;

export class SimState {
  readonly #path: string;
  readonly #journalPath: string;
  #data: StateFile;
  #journalEntries = 0;

  private constructor(path: string, data: StateFile) {
    this.#path = path;
    this.#journalPath = `${path}.journal`;
    this.#data = data;
  }

  static open(stateDir: string): SimState {
    const path = join(resolve(stateDir), 'state.json');
    const empty: StateFile = { version: 1, orders: {}, prepays: {}, refunds: {}, notifications: {} };
    const data = existsSync(path) ? ({ ...empty, ...(JSON.parse(readFileSync(path, 'utf8')) as StateFile) }) : empty;
    const state = new SimState(path, data);
    state.#replayJournal();
    state.save();
    return state;
  }

  #replayJournal(): void {
    if (!existsSync(this.#journalPath)) return;
    for (const line of readFileSync(this.#journalPath, 'utf8').split('\n')) {
      if (!line) continue;
      let e: JournalEntry;
      try {
        e = JSON.parse(line) as JournalEntry;
      } catch {
        continue; // a line torn by a crash mid-append: its call was never answered
      }
      this.#apply(e);
    }
  }

  #apply(e: JournalEntry): void {
    if (e.k === 'order') this.#data.orders[e.v.out_trade_no] = e.v;
    else if (e.k === 'prepay') this.#data.prepays[e.v.prepay_id] = e.v;
    else if (e.k === 'refund') this.#data.refunds[e.v.out_refund_no] = e.v;
    else if (e.k === 'notification') this.#data.notifications[e.v.id] = e.v;
    else delete this.#data.notifications[e.id];
  }

  #record(e: JournalEntry): void {
    this.#apply(e);
    appendFileSync(this.#journalPath, `${JSON.stringify(e)}\n`, { mode: 0o600 });
    if (++this.#journalEntries >= COMPACT_AFTER) this.save();
  }

  order(outTradeNo: string): SimOrder | undefined {
    return Object.hasOwn(this.#data.orders, outTradeNo) ? this.#data.orders[outTradeNo] : undefined;
  }

  orderByTransactionId(transactionId: string): SimOrder | undefined {
    return Object.values(this.#data.orders).find((o) => o.transaction_id === transactionId);
  }

  orders(): SimOrder[] {
    return Object.values(this.#data.orders);
  }

  putOrder(order: SimOrder): void {
    this.#record({ k: 'order', v: order });
  }

  prepay(prepayId: string): SimPrepay | undefined {
    return Object.hasOwn(this.#data.prepays, prepayId) ? this.#data.prepays[prepayId] : undefined;
  }

  putPrepay(prepay: SimPrepay): void {
    this.#record({ k: 'prepay', v: prepay });
  }

  refund(outRefundNo: string): SimRefund | undefined {
    return Object.hasOwn(this.#data.refunds, outRefundNo) ? this.#data.refunds[outRefundNo] : undefined;
  }

  refundsOf(outTradeNo: string): SimRefund[] {
    return Object.values(this.#data.refunds).filter((r) => r.out_trade_no === outTradeNo);
  }

  refunds(): SimRefund[] {
    return Object.values(this.#data.refunds);
  }

  putRefund(refund: SimRefund): void {
    this.#record({ k: 'refund', v: refund });
  }

  /** Notifications still to be delivered (or retried), oldest first. */
  pendingNotifications(): SimPendingNotification[] {
    return Object.values(this.#data.notifications);
  }

  putPendingNotification(n: SimPendingNotification): void {
    this.#record({ k: 'notification', v: n });
  }

  /** Delivered, or WeChat's schedule ran out: nothing more to send. */
  notificationDone(id: string): void {
    if (Object.hasOwn(this.#data.notifications, id)) this.#record({ k: 'notification_done', id });
  }

  /** Writes a full snapshot atomically and empties the journal (compaction). */
  save(): void {
    const tmp = `${this.#path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.#data), { mode: 0o600 });
    renameSync(tmp, this.#path);
    writeFileSync(this.#journalPath, '', { mode: 0o600 });
    this.#journalEntries = 0;
  }
}
