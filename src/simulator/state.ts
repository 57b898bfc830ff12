import { readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
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
  /** Outcome the refund settles to (ABNORMAL when injected through faults). */
  settle_to?: 'SUCCESS' | 'ABNORMAL';
}

interface StateFile {
  version: 1;
  orders: Record<string, SimOrder>;
  prepays: Record<string, SimPrepay>;
  refunds: Record<string, SimRefund>;
}

/**
 * All simulator state in one JSON file, rewritten atomically (temp file + rename) after every
 * change, so a crash leaves either the old or the new file and restarts see every answered call.
 * A development tool holds a few thousand orders at most; whole-file writes are fine at that size.
 */
export class SimState {
  readonly #path: string;
  #data: StateFile;

  private constructor(path: string, data: StateFile) {
    this.#path = path;
    this.#data = data;
  }

  static open(stateDir: string): SimState {
    const path = join(resolve(stateDir), 'state.json');
    const empty: StateFile = { version: 1, orders: {}, prepays: {}, refunds: {} };
    const data = existsSync(path) ? ({ ...empty, ...(JSON.parse(readFileSync(path, 'utf8')) as StateFile) }) : empty;
    return new SimState(path, data);
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
    this.#data.orders[order.out_trade_no] = order;
    this.save();
  }

  prepay(prepayId: string): SimPrepay | undefined {
    return Object.hasOwn(this.#data.prepays, prepayId) ? this.#data.prepays[prepayId] : undefined;
  }

  putPrepay(prepay: SimPrepay): void {
    this.#data.prepays[prepay.prepay_id] = prepay;
    this.save();
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
    this.#data.refunds[refund.out_refund_no] = refund;
    this.save();
  }

  save(): void {
    const tmp = `${this.#path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.#data), { mode: 0o600 });
    renameSync(tmp, this.#path);
  }
}
