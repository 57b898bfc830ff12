import { api, withQuery, type Query } from './client.ts';
import type { ApiKey, AuditVerification, BacktestResult, Operator, Rule, RuleSet, RuleSetError } from './types.ts';

/**
 * Every admin API path the console uses, in one place, so a route that moves is changed once.
 * Reads go through `useApi(paths.x(...))`; writes through the functions below.
 */
const enc = encodeURIComponent;

export const paths = {
  dashboard: (q: Query) => withQuery('/dashboard', q),
  payments: (q: Query) => withQuery('/payments', q),
  payment: (id: string) => `/payments/${enc(id)}`,
  decisions: (id: string, merchantId: string) => withQuery(`/risk/payments/${enc(id)}/decisions`, { merchant_id: merchantId }),
  merchants: () => '/merchants',
  merchant: (id: string) => `/merchants/${enc(id)}`,
  apiKeys: (m: string) => `/merchants/${enc(m)}/api-keys`,
  webhookEndpoint: (m: string) => `/merchants/${enc(m)}/webhook-endpoint`,
  deliveries: (m: string, q: Query) => withQuery(`/merchants/${enc(m)}/events`, q),
  audit: (q: Query) => withQuery('/audit', q),
  operators: () => '/operators',
  reviews: (q: Query) => withQuery('/reviews', q),
  alerts: (q: Query) => withQuery('/alerts', q),
  ruleSets: () => '/risk/rule-sets',
  keys: () => '/keys',
};

export const actions = {
  queryPayment: (id: string) => api<unknown>('POST', `/payments/${enc(id)}/query`, {}),
  closePayment: (id: string) => api<unknown>('POST', `/payments/${enc(id)}/close`, {}),
  refundPayment: (id: string, amount: number, reason: string) => api<unknown>('POST', `/payments/${enc(id)}/refunds`, { amount, ...(reason ? { reason } : {}) }),
  createApiKey: (m: string, label: string) => api<ApiKey & { token?: string; key?: string }>('POST', `/merchants/${enc(m)}/api-keys`, label ? { label } : {}),
  revokeApiKey: (m: string, keyId: string) => api<unknown>('DELETE', `/merchants/${enc(m)}/api-keys/${enc(keyId)}`),
  saveH5Domains: (m: string, domains: string[]) => api<unknown>('PUT', `/merchants/${enc(m)}/h5-domains`, { h5_domains: domains }),
  saveWebhookEndpoint: (m: string, url: string) => api<unknown>('PUT', `/merchants/${enc(m)}/webhook-endpoint`, { url }),
  rotateWebhookSecret: (m: string) => api<{ secret?: string; webhook_secret?: string }>('POST', `/merchants/${enc(m)}/webhook-endpoint/rotate-secret`, {}),
  redeliver: (m: string, deliveryOrEvent: string) => api<unknown>('POST', `/merchants/${enc(m)}/events/${enc(deliveryOrEvent)}/redeliver`, {}),
  verifyAudit: () => api<AuditVerification>('POST', '/audit/verify', {}),
  inviteOperator: (email: string, name: string, role: string) => api<{ one_time_password?: string; password?: string; operator?: Operator }>('POST', '/operators', { email, name, role }),
  resetTotp: (id: string) => api<unknown>('POST', `/operators/${enc(id)}/reset-2fa`, {}),
  claimReview: (id: string) => api<unknown>('POST', `/reviews/${enc(id)}/claim`, {}),
  decideReview: (id: string, decision: 'approve' | 'reject', note: string) => api<unknown>('POST', `/reviews/${enc(id)}/${decision}`, note ? { note } : {}),
  ackAlert: (id: string) => api<unknown>('POST', `/alerts/${enc(id)}/acknowledge`, {}),
  resolveAlert: (id: string) => api<unknown>('POST', `/alerts/${enc(id)}/resolve`, {}),
  validateRules: (rules: Rule[]) => api<{ valid: boolean; errors: RuleSetError[] }>('POST', '/risk/rule-sets/validate', { rules }),
  backtestRules: (rules: Rule[], days: number) => api<BacktestResult>('POST', '/risk/backtest', { merchant_id: null, draft_rule_set: { rules }, days }),
  /** Publishing is two steps on the server: a draft (validated again), then its publication. */
  publishRules: async (rules: Rule[], note: string) => {
    const draft = await api<RuleSet>('POST', '/risk/rule-sets', { merchant_id: null, rules, ...(note ? { note } : {}) });
    return api<RuleSet>('POST', `/risk/rule-sets/${enc(draft.id)}/publish`, {});
  },
};
