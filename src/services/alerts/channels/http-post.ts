import { request } from 'undici';
import { isAppError } from '../../../lib/errors.ts';
import { pinnedDispatcher, vetOutboundUrl, type OutboundPolicy, type Resolver, systemResolver } from '../../../net/outbound-url.ts';
import { ChannelError, transportCode } from './channel-error.ts';

/**
 * POSTs JSON to a vetted URL (SSRF: https, public addresses only, resolved once and pinned; loopback
 * only in sandbox mode), with a timeout, no redirects, and at most 4 KB of the answer read.
 */
export async function postJson(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  opts: { policy: OutboundPolicy; timeoutMs: number; resolve?: Resolver | undefined },
): Promise<{ status: number; text: string }> {
  let vetted: { url: URL; addresses: string[] };
  try {
    vetted = await vetOutboundUrl(rawUrl, opts.policy, opts.resolve ?? systemResolver);
  } catch (e) {
    throw new ChannelError(isAppError(e) ? e.code : 'url_refused', true);
  }
  const dispatcher = pinnedDispatcher(vetted.addresses[0] as string, { connectTimeoutMs: opts.timeoutMs });
  try {
    const res = await request(vetted.url, {
      method: 'POST',
      dispatcher,
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'Anfu-Alerts/1' },
      body,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    let text = '';
    for await (const chunk of res.body) {
      text += Buffer.from(chunk as Uint8Array).toString('utf8');
      if (text.length > 4096) break;
    }
    return { status: res.statusCode, text: text.slice(0, 4096) };
  } catch (e) {
    if (e instanceof ChannelError) throw e;
    throw new ChannelError(transportCode(e), false);
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}
