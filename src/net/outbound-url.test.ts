import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { checkOutboundUrlSyntax, pinnedDispatcher, vetOutboundUrl, type Resolver } from './outbound-url.ts';

const live = { allowLoopback: false };
const sandbox = { allowLoopback: true };
const fakeDns = (map: Record<string, string[]>): Resolver => async (host) => {
  const r = map[host];
  if (!r) throw new Error('ENOTFOUND');
  return r;
};

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

describe('outbound URL policy', () => {
  it('accepts https on a host resolving only to public addresses', async () => {
    const r = await vetOutboundUrl('https://shop.example.cn/hooks', live, fakeDns({ 'shop.example.cn': ['14.23.150.211'] }));
    expect(r.addresses).toEqual(['14.23.150.211']);
  });

  it('refuses plain http in live mode', async () => {
    expect(await code(vetOutboundUrl('http://shop.example.cn/hooks', live, fakeDns({ 'shop.example.cn': ['14.23.150.211'] })))).toBe('url_must_be_https');
  });

  it.each([['127.0.0.1'], ['10.0.0.5'], ['169.254.169.254'], ['192.168.0.10'], ['::1'], ['fe80::1']])('refuses a host resolving to %s', async (ip) => {
    expect(await code(vetOutboundUrl('https://evil.example/x', live, fakeDns({ 'evil.example': ['14.23.150.211', ip] })))).toBe('url_host_not_public');
  });

  it('refuses IP-literal private hosts and credentials in the URL', async () => {
    expect(await code(vetOutboundUrl('https://169.254.169.254/latest/meta-data', live))).toBe('url_host_not_public');
    expect(await code(vetOutboundUrl('https://user:pw@shop.example.cn/', live))).toBe('url_credentials_not_allowed');
    expect(await code(vetOutboundUrl('not a url', live))).toBe('invalid_url');
    expect(await code(vetOutboundUrl('https://nowhere.invalid/', live, fakeDns({})))).toBe('url_host_unresolvable');
  });

  it('allows loopback over http only in the sandbox', async () => {
    expect(checkOutboundUrlSyntax('http://127.0.0.1:8080/demo/webhooks', sandbox).port).toBe('8080');
    expect(await code(vetOutboundUrl('http://127.0.0.1:8080/demo/webhooks', live))).toBe('url_must_be_https');
    expect(await code(vetOutboundUrl('http://10.0.0.1/x', sandbox))).toBe('url_must_be_https');
  });

  it('pins connections to the vetted address whatever the name resolves to', async () => {
    const server = createServer((_req, res) => res.end('pinned'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const agent = pinnedDispatcher('127.0.0.1');
    try {
      const res = await request(`http://name-that-does-not-resolve.invalid:${port}/`, { dispatcher: agent });
      expect(await res.body.text()).toBe('pinned');
    } finally {
      await agent.close();
      server.close();
    }
  });
});
