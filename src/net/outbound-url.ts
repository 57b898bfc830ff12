import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';
import { AppError } from '../lib/errors.ts';
import { classifyAddress, isIpLiteral, type AddressClass } from './ip.ts';

/**
 * Outbound URLs built from merchant input (webhook endpoints) are an SSRF risk (ASVS 1.3.6 / 13.2.4):
 * https only, no credentials in the URL, and every address the host resolves to must be public.
 * The sandbox may allow loopback so the demo receiver on 127.0.0.1 works; nothing else is relaxed.
 */
export interface OutboundPolicy {
  allowLoopback: boolean;
}

export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

function refuse(code: string, message: string): never {
  throw new AppError('invalid_input', code, message);
}

/** Syntax checks that need no DNS. Returns the parsed URL. */
export function checkOutboundUrlSyntax(raw: string, policy: OutboundPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    refuse('invalid_url', 'The URL is not a valid absolute URL.');
  }
  if (url.username || url.password) refuse('url_credentials_not_allowed', 'The URL must not contain credentials.');
  if (url.hash) refuse('invalid_url', 'The URL must not contain a fragment.');
  if (raw.length > 2048) refuse('invalid_url', 'The URL is longer than 2048 characters.');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopbackHost = host === 'localhost' || (isIpLiteral(host) && classifyAddress(host) === 'loopback');
  if (url.protocol !== 'https:' && !(policy.allowLoopback && url.protocol === 'http:' && loopbackHost)) {
    refuse('url_must_be_https', 'The URL must use https.');
  }
  return url;
}

function allowed(cls: AddressClass, policy: OutboundPolicy): boolean {
  return cls === 'public' || (policy.allowLoopback && cls === 'loopback');
}

/** Resolves the host and refuses it unless every address is allowed. Returns the vetted addresses. */
export async function vetOutboundUrl(raw: string, policy: OutboundPolicy, resolve: Resolver = systemResolver): Promise<{ url: URL; addresses: string[] }> {
  const url = checkOutboundUrlSyntax(raw, policy);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIpLiteral(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      refuse('url_host_unresolvable', 'The URL host does not resolve.');
    }
  }
  if (addresses.length === 0) refuse('url_host_unresolvable', 'The URL host does not resolve.');
  for (const a of addresses) {
    if (!allowed(classifyAddress(a), policy)) {
      refuse('url_host_not_public', 'The URL host resolves to a private, loopback, link-local or reserved address.');
    }
  }
  return { url, addresses };
}

/**
 * An undici dispatcher whose connections go only to the vetted address (no second DNS lookup, so no
 * DNS rebinding between check and connect). Redirects are never followed by callers.
 */
export function pinnedDispatcher(address: string, opts: { connectTimeoutMs?: number } = {}): Agent {
  const family = address.includes(':') ? 6 : 4;
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    } else {
      callback(null, address, family);
    }
  };
  return new Agent({ connect: { lookup, timeout: opts.connectTimeoutMs ?? 5_000 }, keepAliveTimeout: 4_000 });
}
