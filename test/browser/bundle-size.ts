import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface FirstLoad {
  files: { path: string; bytes: number; gzipBytes: number }[];
  totalGzipBytes: number;
}

/**
 * The JavaScript a browser fetches to show the console's first page: every `<script src>` and
 * `<link rel="modulepreload">` in the built index.html, gzipped at level 9 (what the gateway serves).
 * Lazy chunks imported later are not counted, as they are not part of the first load.
 */
export function firstLoadJs(distDir: string): FirstLoad {
  const html = readFileSync(join(distDir, 'index.html'), 'utf8');
  const refs = new Set<string>();
  for (const m of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)) refs.add(m[1]!);
  for (const m of html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g)) refs.add(m[1]!);
  const files = [...refs].map((ref) => {
    const rel = ref.replace(/^\/console\//, '');
    const body = readFileSync(join(distDir, rel));
    return { path: rel, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
  });
  return { files, totalGzipBytes: files.reduce((s, f) => s + f.gzipBytes, 0) };
}
