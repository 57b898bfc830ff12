import type { KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { safeEqual, type Secret } from '../lib/secret.ts';
import { signSha256WithRsa } from '../wechatpay/signer.ts';
import { MAX_MESSAGE_BYTES, SIGN_PATH, signRequestSchema } from './signing-protocol.ts';

/**
 * A small reference signing service: merchant keys live only in this process and callers get
 * signatures, never keys. Real deployments put an HSM or cloud KMS behind the same wire format.
 * Callers authenticate with a bearer token compared in constant time.
 */
export function createSigningService(opts: { keys: ReadonlyMap<string, KeyObject> | Record<string, KeyObject>; token: Secret<string> }): Server {
  if (opts.token.reveal().length < 32) throw new Error('the signing service token must be at least 32 characters');
  const keys = new Map(opts.keys instanceof Map ? opts.keys : Object.entries(opts.keys));
  const maxBody = Math.ceil(MAX_MESSAGE_BYTES / 3) * 4 + 1024;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const send = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(JSON.stringify(body));
    };
    if (req.url !== SIGN_PATH) return send(404, { error: 'not_found' });
    if (req.method !== 'POST') return send(405, { error: 'method_not_allowed' }, { allow: 'POST' });
    const auth = req.headers.authorization ?? '';
    const presented = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!safeEqual(presented, opts.token.reveal())) {
      return send(401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBody) return send(413, { error: 'payload_too_large' }, { connection: 'close' });
      chunks.push(chunk as Buffer);
    }
    let json: unknown;
    try {
      json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(400, { error: 'invalid_json' });
    }
    const parsed = signRequestSchema.safeParse(json);
    if (!parsed.success) return send(400, { error: 'invalid_request' });
    const key = keys.get(parsed.data.key_id);
    if (!key) return send(404, { error: 'unknown_key' });
    const signature = signSha256WithRsa(key, Buffer.from(parsed.data.message, 'base64'));
    return send(200, { key_id: parsed.data.key_id, signature });
  };

  return createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal"}');
      else res.destroy();
    });
  });
}
