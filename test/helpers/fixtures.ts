import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** Known-answer vectors copied from shared/vectors (official Go and Java SDK tests, plus derived ones). */
export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'vectors');

export function fixturePath(rel: string): string {
  return join(FIXTURES_DIR, rel);
}

export function readFixture(rel: string): string {
  return readFileSync(fixturePath(rel), 'utf8');
}

export interface Vector {
  name: string;
  [k: string]: unknown;
}

export function vectors(): Vector[] {
  return (JSON.parse(readFixture('wechatpay-vectors.json')) as { vectors: Vector[] }).vectors;
}

export function vector<T = Record<string, unknown>>(name: string): Vector & T {
  const v = vectors().find((x) => x.name === name);
  if (!v) throw new Error(`no vector ${name}`);
  return v as Vector & T;
}
