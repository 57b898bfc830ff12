import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/**
 * Serves the payer pages' CSS and JS from `assets/` at `/static/<name>`. The CSP forbids inline script
 * and style, so pages load these files. Read once at start (a handful of small files); only names in
 * the folder are served, so there is no path to traverse.
 */
const ASSET_DIR = join(dirname(fileURLToPath(import.meta.url)), 'assets');
const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(ASSET_DIR)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(ASSET_DIR, name));
    assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` });
  }
  return assets;
}

/** `/static/anfu.css?v=<etag>`: a versioned URL, so pages can let browsers cache the file for a day. */
export function assetUrl(name: string): string {
  const a = cached().get(name);
  return a ? `/static/${name}?v=${a.etag.slice(1, 9)}` : `/static/${name}`;
}

let assetsCache: Map<string, Asset> | undefined;
function cached(): Map<string, Asset> {
  assetsCache ??= loadAssets();
  return assetsCache;
}

export function registerStaticAssets(app: FastifyInstance): void {
  const assets = cached();
  app.get<{ Params: { name: string } }>('/static/:name', async (req, reply) => {
    const a = assets.get(req.params.name);
    if (!a) return reply.status(404).send({ error: { code: 'not_found', message: 'No such file.', request_id: String(req.id) } });
    if (req.headers['if-none-match'] === a.etag) return reply.status(304).send();
    return reply.header('content-type', a.type).header('etag', a.etag).header('cache-control', 'public, max-age=86400').send(a.body);
  });
}
