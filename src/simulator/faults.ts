import { z } from 'zod';

/**
 * Faults that tests switch on through `POST /sim/faults`: slow or failing endpoints, dropped
 * connections, and misbehaving notification delivery. Replaced as a whole on each POST.
 */
const ruleSchema = z.strictObject({
  /** Path glob matched against the request path without its query; `*` matches anything. */
  path: z.string().min(1),
  method: z.string().toUpperCase().optional(),
  latency_ms: z.number().int().min(0).max(60_000).optional(),
  /** Answer with this error instead of handling the call. */
  error: z
    .strictObject({
      status: z.number().int().min(400).max(599),
      code: z.string().min(1).max(64),
      message: z.string().max(256).optional(),
    })
    .optional(),
  /** Probability (0–1) that a matching call gets `error` or `reset`; default 1. */
  rate: z.number().min(0).max(1).optional(),
  /** Destroy the connection without answering. */
  reset: z.boolean().optional(),
  /** Apply to the next N matching calls only. */
  times: z.number().int().min(1).optional(),
});

export const faultConfigSchema = z.strictObject({
  rules: z.array(ruleSchema).max(100).optional(),
  notifications: z
    .strictObject({
      /** Drop the next N notifications entirely (WeChat never sends them). */
      drop: z.number().int().min(0).optional(),
      drop_rate: z.number().min(0).max(1).optional(),
      /** Deliver every notification twice. */
      duplicate: z.boolean().optional(),
      /** Hold notifications this long, then deliver the held ones newest first. */
      reorder_window_ms: z.number().int().min(1).max(60_000).optional(),
      /** Send a `WECHATPAY/SIGNTEST/` probe before each real notification (spec §2.6). */
      signature_probe: z.boolean().optional(),
    })
    .optional(),
  /** How new refunds settle: ABNORMAL (the payer's account cannot take it) or CLOSED (WeChat closed it). */
  refunds: z.strictObject({ outcome: z.enum(['SUCCESS', 'ABNORMAL', 'CLOSED']).optional() }).optional(),
});

export type FaultConfig = z.infer<typeof faultConfigSchema>;
export type RefundOutcome = 'SUCCESS' | 'ABNORMAL' | 'CLOSED';
type Rule = z.infer<typeof ruleSchema>;

export type FaultAction =
  | { kind: 'none'; latencyMs: number }
  | { kind: 'error'; latencyMs: number; status: number; code: string; message: string }
  | { kind: 'reset'; latencyMs: number };

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

export class Faults {
  #config: FaultConfig = {};
  #rules: { rule: Rule; re: RegExp; left: number }[] = [];
  #dropLeft = 0;
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  set(config: FaultConfig): void {
    this.#config = config;
    this.#rules = (config.rules ?? []).map((rule) => ({ rule, re: globToRegExp(rule.path), left: rule.times ?? Infinity }));
    this.#dropLeft = config.notifications?.drop ?? 0;
  }

  clear(): void {
    this.set({});
  }

  get config(): FaultConfig {
    return this.#config;
  }

  /** What to do with an API call; consumes one use of a `times`-limited rule. */
  forRequest(method: string, path: string): FaultAction {
    let latencyMs = 0;
    for (const r of this.#rules) {
      if (r.left <= 0 || !r.re.test(path) || (r.rule.method && r.rule.method !== method.toUpperCase())) continue;
      latencyMs += r.rule.latency_ms ?? 0;
      const fires = (r.rule.error || r.rule.reset) && this.#random() < (r.rule.rate ?? 1);
      if (r.rule.times !== undefined && (fires || (!r.rule.error && !r.rule.reset))) r.left -= 1;
      if (!fires) continue;
      if (r.rule.reset) return { kind: 'reset', latencyMs };
      const e = r.rule.error!;
      return { kind: 'error', latencyMs, status: e.status, code: e.code, message: e.message ?? defaultMessage(e.code) };
    }
    return { kind: 'none', latencyMs };
  }

  /** True when this notification should never be sent. */
  dropNotification(): boolean {
    if (this.#dropLeft > 0) {
      this.#dropLeft -= 1;
      return true;
    }
    const rate = this.#config.notifications?.drop_rate ?? 0;
    return rate > 0 && this.#random() < rate;
  }

  get duplicateNotifications(): boolean {
    return this.#config.notifications?.duplicate ?? false;
  }

  get reorderWindowMs(): number {
    return this.#config.notifications?.reorder_window_ms ?? 0;
  }

  get signatureProbe(): boolean {
    return this.#config.notifications?.signature_probe ?? false;
  }

  get refundOutcome(): RefundOutcome {
    return this.#config.refunds?.outcome ?? 'SUCCESS';
  }
}

const MESSAGES: Record<string, string> = {
  SYSTEM_ERROR: '系统错误，请用相同参数重新调用',
  FREQUENCY_LIMITED: '频率超限',
  NOT_ENOUGH: '基本账户余额不足，请充值后重新发起',
  SERVICE_UNAVAILABLE: '服务不可用',
  BANK_ERROR: '银行系统异常',
  NO_AUTH: '商户无权限',
  USER_ACCOUNT_ABNORMAL: '退款请求失败，用户账号异常',
};

function defaultMessage(code: string): string {
  return MESSAGES[code] ?? '模拟故障';
}
