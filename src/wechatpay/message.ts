/**
 * The byte strings WeChat Pay APIv3 signs (spec §1.1 and §2.1). Every line ends in "\n",
 * the last one included; the body is the exact string sent or received, empty for no body.
 */
export function requestMessage(method: string, canonicalUrl: string, timestamp: string, nonce: string, body: string): string {
  return `${method.toUpperCase()}\n${canonicalUrl}\n${timestamp}\n${nonce}\n${body}\n`;
}

export function responseMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

/** Path plus query, without scheme and host, exactly as it goes on the wire (spec §1.1 CANONICAL_URL). */
export function canonicalUrl(url: string | URL): string {
  if (typeof url === 'string' && url.startsWith('/')) return url;
  const u = typeof url === 'string' ? new URL(url) : url;
  return u.pathname + u.search;
}
