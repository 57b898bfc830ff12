/**
 * What a merchant is, without its secrets, and the pure rules about its H5 domains.
 * A merchant = one WeChat mchid + appid + credentials + H5 domains + webhook endpoint + API keys.
 */
export type MerchantMode = 'sandbox' | 'live';
export type KeyMode = 'public_key' | 'platform_certificate';

export interface Merchant {
  id: string;
  name: string;
  mchid: string;
  appid: string;
  mode: MerchantMode;
  h5Domains: string[];
  webhookUrl: string | null;
  wechatApiBaseUrl: string;
  wechatApiBackupUrl: string | null;
  keyMode: KeyMode;
  merchantSerial: string;
  disabledAt: Date | null;
  createdAt: Date;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A bare lower-case hostname (no scheme, port, path or trailing dot) or a dotted IPv4 address. */
export function isBareHost(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  if (IPV4.test(s)) return true;
  const labels = s.split('.');
  // An all-numeric last label is a malformed IP (256.1.1.1), never a DNS name.
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return false;
  return labels.every((label) => LABEL.test(label));
}

/**
 * Live H5 domains are the ones registered with WeChat (a public DNS name with a dot); loopback names and
 * IP literals only make sense against the simulator.
 */
export function isLiveH5Domain(host: string): boolean {
  return isBareHost(host) && !IPV4.test(host) && host.includes('.') && host !== 'localhost' && !host.endsWith('.localhost');
}

/** Exact host match, as WeChat checks the Referer: `shop.example.com` does not admit `evil.shop.example.com`. */
export function hostAllowed(host: string, h5Domains: readonly string[]): boolean {
  const h = host.toLowerCase();
  return h5Domains.includes(h);
}
