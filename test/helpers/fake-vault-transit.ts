import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny stand-in for HashiCorp Vault's transit engine: `encrypt`, `decrypt`, `rewrap` and
 * `keys/<name>/rotate` under `/v1/<mount>/`, `X-Vault-Token` checked, each key with its own AES
 * versions. Ciphertexts look like Vault's (`vault:vN:<base64>`), so the client code is exercised
 * exactly as against the real server.
 */
export interface FakeVaultTransit {
  url: string;
  token: string;
  /** Adds a key version, as `vault write -f transit/keys/<name>/rotate` does. */
  rotate(keyName: string): void;
  /** Delays every answer (to test client timeouts). */
  setDelay(ms: number): void;
  /** Answers the next request with this status and a Vault-style error body. */
  failNext(status: number): void;
  requests: Array<{ path: string; token: string | undefined }>;
  close(): Promise<void>;
}

export async function startFakeVaultTransit(opts: { token?: string; mount?: string } = {}): Promise<FakeVaultTransit> {
  const token = opts.token ?? `hvs.${randomBytes(12).toString('hex')}`;
  const mount = opts.mount ?? 'transit';
  const keys = new Map<string, Buffer[]>();
  const requests: FakeVaultTransit['requests'] = [];
  let delay = 0;
  let failStatus: number | null = null;

  const versionsOf = (name: string): Buffer[] => {
    let v = keys.get(name);
    if (!v) {
      v = [randomBytes(32)];
      keys.set(name, v);
    }
    return v;
  };
  const encrypt = (name: string, plaintext: Buffer): string => {
    const versions = versionsOf(name);
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', versions[versions.length - 1]!, iv);
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    return `vault:v${versions.length}:${Buffer.concat([iv, ct, c.getAuthTag()]).toString('base64')}`;
  };
  const decrypt = (name: string, ciphertext: string): Buffer | null => {
    const m = /^vault:v(\d+):([A-Za-z0-9+/=]+)$/.exec(ciphertext);
    const key = m ? versionsOf(name)[Number(m[1]) - 1] : undefined;
    if (!m || !key) return null;
    const blob = Buffer.from(m[2]!, 'base64');
    if (blob.length < 28) return null;
    try {
      const d = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
      d.setAuthTag(blob.subarray(blob.length - 16));
      return Buffer.concat([d.update(blob.subarray(12, blob.length - 16)), d.final()]);
    } catch {
      return null;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const tokenHeader = req.headers['x-vault-token'];
    requests.push({ path: req.url ?? '', token: typeof tokenHeader === 'string' ? tokenHeader : undefined });
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const send = (status: number, body: unknown): void => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (failStatus !== null) {
      const s = failStatus;
      failStatus = null;
      return send(s, { errors: ['injected failure'] });
    }
    if (req.method !== 'POST') return send(405, { errors: ['unsupported operation'] });
    if (tokenHeader !== token) return send(403, { errors: ['permission denied'] });
    const m = new RegExp(`^/v1/${mount}/(encrypt|decrypt|rewrap|keys)/([^/]+)(/rotate)?$`).exec(req.url ?? '');
    if (!m) return send(404, { errors: [] });
    const [, op, name] = m as unknown as [string, string, string];
    if (op === 'keys') {
      versionsOf(name).push(randomBytes(32));
      return send(204, {});
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return send(400, { errors: ['failed to parse JSON input'] });
    }
    if (op === 'encrypt') {
      if (typeof body.plaintext !== 'string') return send(400, { errors: ['missing plaintext to encrypt'] });
      return send(200, { data: { ciphertext: encrypt(name, Buffer.from(body.plaintext, 'base64')), key_version: versionsOf(name).length } });
    }
    const pt = typeof body.ciphertext === 'string' ? decrypt(name, body.ciphertext) : null;
    if (!pt) return send(400, { errors: ['cipher: message authentication failed'] });
    if (op === 'decrypt') return send(200, { data: { plaintext: pt.toString('base64') } });
    return send(200, { data: { ciphertext: encrypt(name, pt), key_version: versionsOf(name).length } });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    rotate: (name) => void versionsOf(name).push(randomBytes(32)),
    setDelay: (ms) => {
      delay = ms;
    },
    failNext: (status) => {
      failStatus = status;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
