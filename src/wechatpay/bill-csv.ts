import { yuanToFen } from '../lib/money.ts';
import { WechatPayResponseError } from './errors.ts';

/**
 * The trade bill CSV (spec §5.5): optional UTF-8 BOM, a header row, data rows whose every value
 * starts with a back-tick (so split on ",`"), then a summary caption row and its values row.
 * Amounts are yuan with two decimals and become integer fen here, at the edge.
 */
export interface TradeBillRow {
  /** Every column by its Chinese header, back-tick removed, as WeChat wrote it. */
  fields: Record<string, string>;
  /** Every money column (header ending in 金额, or 手续费) in fen. */
  amountsFen: Record<string, number>;
  trade_time: string;
  appid: string;
  mchid: string;
  transaction_id: string;
  out_trade_no: string;
  trade_state: string;
  /** 应结订单金额 */
  settlement_total_fen: number;
  /** 订单金额 */
  order_total_fen: number;
  /** 退款金额 (0 when not a refund row) */
  refund_fen: number;
  out_refund_no: string;
  refund_id: string;
  refund_status: string;
  /** 手续费 */
  fee_fen: number;
}

export interface TradeBillSummary {
  fields: Record<string, string>;
  amountsFen: Record<string, number>;
  /** 总交易单数 */
  trade_count: number;
}

export interface TradeBill {
  columns: string[];
  rows: TradeBillRow[];
  summary: TradeBillSummary;
}

const SUMMARY_FIRST_COLUMN = '总交易单数';

function isMoneyColumn(name: string): boolean {
  return name.endsWith('金额') || name === '手续费';
}

function fail(message: string): never {
  throw new WechatPayResponseError('bill_malformed', message);
}

function splitValues(line: string, lineNo: number): string[] {
  if (!line.startsWith('`')) fail(`bill line ${lineNo} does not start with a back-tick`);
  return line.slice(1).split(',`');
}

function amounts(fields: Record<string, string>, lineNo: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (!isMoneyColumn(k)) continue;
    if (v === '' || v === '-') {
      out[k] = 0;
      continue;
    }
    try {
      out[k] = yuanToFen(v);
    } catch {
      fail(`bill line ${lineNo}: column ${k} is not a yuan amount`);
    }
  }
  return out;
}

function zip(columns: string[], values: string[], lineNo: number): Record<string, string> {
  if (values.length !== columns.length) fail(`bill line ${lineNo} has ${values.length} values for ${columns.length} columns`);
  const out: Record<string, string> = {};
  columns.forEach((c, i) => {
    out[c] = values[i]!;
  });
  return out;
}

export function parseTradeBillCsv(text: string): TradeBill {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 3) fail('bill has fewer than three lines');
  const columns = lines[0]!.split(',');
  const summaryAt = lines.findIndex((l) => l.startsWith(SUMMARY_FIRST_COLUMN));
  if (summaryAt < 1 || summaryAt !== lines.length - 2) fail('bill summary rows missing or misplaced');

  const rows: TradeBillRow[] = [];
  for (let i = 1; i < summaryAt; i++) {
    const fields = zip(columns, splitValues(lines[i]!, i + 1), i + 1);
    const amountsFen = amounts(fields, i + 1);
    const f = (k: string) => fields[k] ?? '';
    const m = (k: string) => amountsFen[k] ?? 0;
    rows.push({
      fields,
      amountsFen,
      trade_time: f('交易时间'),
      appid: f('公众账号ID'),
      mchid: f('商户号'),
      transaction_id: f('微信订单号'),
      out_trade_no: f('商户订单号'),
      trade_state: f('交易状态'),
      settlement_total_fen: m('应结订单金额'),
      order_total_fen: m('订单金额'),
      refund_fen: m('退款金额'),
      out_refund_no: f('商户退款单号'),
      refund_id: f('微信退款单号'),
      refund_status: f('退款状态'),
      fee_fen: m('手续费'),
    });
  }

  const summaryColumns = lines[summaryAt]!.split(',');
  const summaryFields = zip(summaryColumns, splitValues(lines[summaryAt + 1]!, summaryAt + 2), summaryAt + 2);
  const count = summaryFields[SUMMARY_FIRST_COLUMN] ?? '';
  if (!/^\d+$/.test(count)) fail('bill summary trade count is not a number');
  const summary: TradeBillSummary = { fields: summaryFields, amountsFen: amounts(summaryFields, summaryAt + 2), trade_count: Number(count) };
  if (summary.trade_count !== rows.length) fail(`bill summary counts ${summary.trade_count} trades but has ${rows.length} rows`);
  return { columns, rows, summary };
}
