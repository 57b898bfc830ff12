/**
 * `npm run console:size`: prints the console's first-load JavaScript (gzipped) from web/dist.
 * The budget (300 KB gzipped) is held by test/browser/bundle.test.ts.
 */
import { join } from 'node:path';
import { firstLoadJs } from '../test/browser/bundle-size.ts';

const dist = join(import.meta.dirname, '..', 'web', 'dist');
const r = firstLoadJs(dist);
for (const f of r.files) console.log(`${f.path}  ${(f.bytes / 1024).toFixed(1)} KB raw  ${(f.gzipBytes / 1024).toFixed(1)} KB gzip`);
console.log(`first-load JS: ${(r.totalGzipBytes / 1024).toFixed(1)} KB gzipped (budget 300 KB)`);
