#!/usr/bin/env node
/* global process, console */
/**
 * Builds the operator console (web/ → web/dist) with Vite. Run by `npm install`/`npm ci` (prepare) and
 * before `npm start` with --if-missing, so the README's two commands are enough. An install without
 * dev dependencies (no Vite) skips the build with a note instead of failing: the gateway then answers
 * /console with a page saying how to build it.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const webDir = join(root, 'web');
const ifMissing = process.argv.includes('--if-missing');

if (!existsSync(join(webDir, 'index.html'))) process.exit(0);
if (ifMissing && existsSync(join(webDir, 'dist', 'index.html'))) process.exit(0);

let vite;
try {
  vite = await import('vite');
} catch {
  console.warn('anfu: Vite is not installed (dev dependencies omitted); the console at /console is not built.');
  process.exit(0);
}
const started = Date.now();
await vite.build({ configFile: join(webDir, 'vite.config.ts'), root: webDir, logLevel: 'warn' });
console.log(`anfu: console built into web/dist in ${Date.now() - started} ms`);
