import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * `npm run bench [-- <name-filter>]`: runs every bench/*.bench.ts (each default-exports an async
 * function that prints its own table), in name order, so each capability can add its own file.
 */
const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filter === undefined || f.includes(filter))
  .sort();

if (files.length === 0) {
  console.error(filter ? `no bench/*.bench.ts matches "${filter}"` : 'no bench/*.bench.ts found');
  process.exit(1);
}

for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { default?: () => Promise<void> };
  if (typeof mod.default !== 'function') {
    console.error(`${f} has no default export function; skipped`);
    process.exitCode = 1;
    continue;
  }
  console.log(`\n== ${f.replace(/\.bench\.ts$/, '')} ==`);
  await mod.default();
}
