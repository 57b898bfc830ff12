import nodemailer from 'nodemailer';
import { isAppError } from '../../../lib/errors.ts';
import type { Secret } from '../../../lib/secret.ts';
import { vetOutboundUrl, systemResolver, type OutboundPolicy, type Resolver } from '../../../net/outbound-url.ts';
import { emailSubject, emailText, type AlertPayload } from '../alert-message.ts';
import { ChannelError, transportCode } from './channel-error.ts';

/**
 * Email over SMTP (nodemailer). The server is vetted like a webhook host (public addresses only;
 * loopback in sandbox mode) and the connection goes to the vetted address, with the name kept for TLS.
 * `secure: true` is implicit TLS (465); otherwise STARTTLS is required unless the server is loopback
 * in sandbox mode (the local sink in tests). Every phase has the channel timeout. The password is
 * used only to build the transport and is never logged (nodemailer's logger stays off).
 */
export interface EmailConfig {
  host: string;
  port: number;
  secure: boolean;
  user?: string | undefined;
  from: string;
  to: string[];
}

export async function sendAlertEmail(
  cfg: EmailConfig,
  password: Secret<string> | undefined,
  payload: AlertPayload,
  opts: { policy: OutboundPolicy; timeoutMs: number; resolve?: Resolver | undefined },
): Promise<void> {
  let address: string;
  try {
    const vetted = await vetOutboundUrl(`https://${cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host}/`, { allowLoopback: opts.policy.allowLoopback }, opts.resolve ?? systemResolver);
    address = vetted.addresses[0] as string;
  } catch (e) {
    throw new ChannelError(isAppError(e) ? e.code : 'smtp_host_refused', true);
  }
  const loopbackSandbox = opts.policy.allowLoopback && (address === '127.0.0.1' || address === '::1');
  const transport = nodemailer.createTransport({
    host: address,
    port: cfg.port,
    secure: cfg.secure,
    requireTLS: !cfg.secure && !loopbackSandbox,
    ignoreTLS: loopbackSandbox && !cfg.secure,
    tls: { servername: cfg.host },
    connectionTimeout: opts.timeoutMs,
    greetingTimeout: opts.timeoutMs,
    socketTimeout: opts.timeoutMs,
    logger: false,
    ...(cfg.user ? { auth: { user: cfg.user, pass: password?.reveal() ?? '' } } : {}),
  });
  try {
    await transport.sendMail({ from: cfg.from, to: cfg.to, subject: emailSubject(payload), text: emailText(payload) });
  } catch (e) {
    const err = e as { responseCode?: number; code?: string };
    if (typeof err.responseCode === 'number') throw new ChannelError(`smtp_${err.responseCode}`, err.responseCode >= 500 && err.responseCode !== 554);
    if (err.code === 'EAUTH') throw new ChannelError('smtp_auth_failed', true);
    throw new ChannelError(transportCode(e), false);
  } finally {
    transport.close();
  }
}
