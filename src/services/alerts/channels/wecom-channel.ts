import type { Secret } from '../../../lib/secret.ts';
import type { OutboundPolicy, Resolver } from '../../../net/outbound-url.ts';
import { wecomMarkdown, type AlertPayload } from '../alert-message.ts';
import { ChannelError } from './channel-error.ts';
import { postJson } from './http-post.ts';

/**
 * WeCom group robot (企业微信群机器人): `POST {base}/cgi-bin/webhook/send?key=<robot key>` with
 * `{"msgtype":"markdown","markdown":{"content":…}}`. WeCom answers 200 even when it refuses, so the
 * outcome is its `errcode` (0 = sent). 45009 (frequency limit, 20 messages/min per robot) is worth a
 * retry; an invalid key (93000, 40058…) is not. The key is a credential: it is never logged, and the
 * URL carrying it never reaches an error code.
 */
const RETRYABLE_ERRCODES = new Set([-1, 45009, 45033]);

export function wecomSendUrl(baseUrl: string, key: string): string {
  const u = new URL('/cgi-bin/webhook/send', baseUrl);
  u.searchParams.set('key', key);
  return u.toString();
}

export async function sendWecomRobot(
  baseUrl: string,
  key: Secret<string>,
  payload: AlertPayload,
  opts: { policy: OutboundPolicy; timeoutMs: number; resolve?: Resolver | undefined },
): Promise<void> {
  const body = JSON.stringify({ msgtype: 'markdown', markdown: { content: wecomMarkdown(payload) } });
  const res = await postJson(wecomSendUrl(baseUrl, key.reveal()), body, {}, opts);
  if (res.status < 200 || res.status >= 300) throw new ChannelError(`http_${res.status}`, false);
  let errcode: unknown;
  try {
    errcode = (JSON.parse(res.text) as { errcode?: unknown }).errcode;
  } catch {
    throw new ChannelError('wecom_answer_not_json', false);
  }
  if (errcode === 0) return;
  if (typeof errcode !== 'number') throw new ChannelError('wecom_answer_malformed', false);
  throw new ChannelError(`wecom_errcode_${errcode}`, !RETRYABLE_ERRCODES.has(errcode));
}
