/**
 * A bounded label for a WeChat Pay endpoint: the path with order numbers, transaction and refund ids
 * replaced by placeholders, so `GET /v3/pay/transactions/out-trade-no/A123` and `…/B456` share one
 * series. Unknown shapes keep only their first three path segments.
 */
const PATTERNS: [RegExp, string][] = [
  [/^\/v3\/pay\/transactions\/out-trade-no\/[^/]+\/close$/, '/v3/pay/transactions/out-trade-no/{out_trade_no}/close'],
  [/^\/v3\/pay\/transactions\/out-trade-no\/[^/]+$/, '/v3/pay/transactions/out-trade-no/{out_trade_no}'],
  [/^\/v3\/pay\/transactions\/id\/[^/]+$/, '/v3/pay/transactions/id/{transaction_id}'],
  [/^\/v3\/refund\/domestic\/refunds\/[^/]+$/, '/v3/refund/domestic/refunds/{out_refund_no}'],
];

const KNOWN = new Set(['/v3/pay/transactions/h5', '/v3/refund/domestic/refunds', '/v3/certificates', '/v3/bill/tradebill', '/v3/bill/fundflowbill']);

export function endpointLabel(endpoint: string): string {
  const space = endpoint.indexOf(' ');
  const method = space > 0 ? endpoint.slice(0, space) : 'GET';
  const path = (space > 0 ? endpoint.slice(space + 1) : endpoint).split('?')[0] ?? '';
  if (KNOWN.has(path)) return `${method} ${path}`;
  for (const [re, label] of PATTERNS) if (re.test(path)) return `${method} ${label}`;
  return `${method} /${path.split('/').filter(Boolean).slice(0, 3).join('/')}/…`;
}
