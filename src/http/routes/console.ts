import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../error-mapper.ts';

/**
 * Serves the operator console (web/dist, built by Vite) at /console. Assets have content-hashed names,
 * so they are cached for a year as immutable; index.html is `no-cache` so a new build is picked up at
 * once. Every other /console/* path answers index.html (the SPA routes on the client), except missing
 * assets, which are a plain 404 (never HTML where a script is expected). Files are read once into
 * memory with a gzip copy; only names found in the folder are served, so there is no path to traverse.
 */
export const DEFAULT_CONSOLE_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

interface File {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  etag: string;
}

interface Bundle {
  index: File;
  assets: Map<string, File>;
}

function fileOf(body: Buffer, type: string): File {
  const gz = gzipSync(body, { level: 9 });
  return {
    body,
    gzip: gz.length < body.length ? gz : null,
    type,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

function load(dist: string): Bundle | null {
  const indexPath = join(dist, 'index.html');
  if (!existsSync(indexPath)) return null;
  const assets = new Map<string, File>();
  const assetDir = join(dist, 'assets');
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      const type = TYPES[extname(name)];
      if (type) assets.set(name, fileOf(readFileSync(join(assetDir, name)), type));
    }
  }
  return { index: fileOf(readFileSync(indexPath), 'text/html; charset=utf-8'), assets };
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Console not built</title></head>
<body><h1>The console has not been built</h1><p>Run <code>npm run build:console</code> (or <code>npm install</code>) and reload.</p>
<p lang="zh-CN">控制台尚未构建：请运行 <code>npm run build:console</code>（或 <code>npm install</code>）后刷新。</p></body></html>`;

function send(req: FastifyRequest, reply: FastifyReply, f: File, cacheControl: string): FastifyReply {
  reply.header('content-type', f.type).header('etag', f.etag).header('cache-control', cacheControl).header('vary', 'accept-encoding');
  if (req.headers['if-none-match'] === f.etag) return reply.status(304).send();
  const accepts = String(req.headers['accept-encoding'] ?? '');
  if (f.gzip && /\bgzip\b/.test(accepts)) return reply.header('content-encoding', 'gzip').send(f.gzip);
  return reply.send(f.body);
}

export interface ConsoleRouteOptions {
  /** The built console (default: web/dist of this checkout). */
  distDir?: string;
}

export function registerConsoleRoutes(app: FastifyInstance, opts: ConsoleRouteOptions = {}): void {
  const dist = opts.distDir ?? DEFAULT_CONSOLE_DIST;
  // Loaded on first request, and retried while missing: a build finishing after start is picked up.
  let bundle: Bundle | null = null;
  const current = () => (bundle ??= load(dist));

  app.get('/console', async (_req, reply) => reply.redirect('/console/', 308));

  app.get<{ Params: { name: string } }>('/console/assets/:name', async (req, reply) => {
    const f = current()?.assets.get(req.params.name);
    if (!f) return reply.status(404).send(errorBody('not_found', 'No such file.', String(req.id)));
    return send(req, reply, f, 'public, max-age=31536000, immutable');
  });

  app.get('/console/*', async (req, reply) => {
    const b = current();
    if (!b) return reply.status(503).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    return send(req, reply, b.index, 'no-cache');
  });
}
