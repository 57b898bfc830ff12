import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_MESSAGES } from '../../lib/error-messages.ts';

/**
 * Every error code the operator and admin code can answer has a zh-CN and an English message. The
 * codes are read from the source (each `new AppError(kind, code, …)`), so a new code without a
 * catalogue entry fails here. A call whose code is not a literal must be one of the known dynamic
 * sites, whose possible codes are read from the same file.
 */
const ROOTS = ['src/services/operators', 'src/operators', 'src/http/plugins', 'src/services/admin', 'src/sandbox/sandbox-admin.ts'];
const ADMIN_ROUTES = readdirSync('src/http/routes').filter((f) => f.startsWith('admin-') && f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join('src/http/routes', f));

function sources(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path).flatMap((f) => (f.endsWith('.test.ts') ? [] : sources(join(path, f))));
}

/** Literal codes in the second argument of each AppError construction; the count of dynamic ones. */
export function thrownCodes(text: string): { codes: Set<string>; dynamic: number } {
  const codes = new Set<string>();
  let dynamic = 0;
  for (const m of text.matchAll(/new AppError\(\s*'[a-z_]+',\s*/g)) {
    const rest = text.slice(m.index + m[0].length);
    // The code argument ends where the message (a string literal) begins.
    const end = rest.search(/,\s*['"`]/);
    const arg = rest.slice(0, end < 0 ? 0 : end);
    const literals = [...arg.matchAll(/(?<!===\s)'([a-z0-9_]+)'/g)].map((x) => x[1]!);
    if (literals.length === 0) dynamic++;
    for (const c of literals) codes.add(c);
  }
  // Dynamic sites: a `code = '…'` default parameter, a codes table `name: { kind: …`, a typed union of codes.
  for (const m of text.matchAll(/code = '([a-z0-9_]+)'/g)) codes.add(m[1]!);
  for (const m of text.matchAll(/^\s+([a-z0-9_]+): \{ kind: '/gm)) codes.add(m[1]!);
  for (const m of text.matchAll(/type LoginFailureCode = ([^;]+);/g)) for (const c of m[1]!.matchAll(/'([a-z0-9_]+)'/g)) codes.add(c[1]!);
  return { codes, dynamic };
}

describe('error catalogue for operators and the admin API', () => {
  const files = [...ROOTS.flatMap(sources), ...ADMIN_ROUTES, 'src/operators/login.ts'];
  const all = new Set<string>();
  for (const f of files) for (const c of thrownCodes(readFileSync(f, 'utf8')).codes) all.add(c);

  it('finds the codes (the scan itself works)', () => {
    for (const c of ['setup_required', 'permission_denied', 'csrf_token_invalid', 'login_locked', 'totp_reused', 'scope_exceeded', 'password_common', 'merchant_not_found', 'invalid_request']) expect(all).toContain(c);
    expect(thrownCodes("throw new AppError('conflict', x ? 'a_code' : 'b_code', 'msg')").codes).toEqual(new Set(['a_code', 'b_code']));
    expect(thrownCodes('throw new AppError(f.kind, outcome.code, f.message)').dynamic).toBe(0); // kind not literal: not an AppError(kind literal) site
    expect(thrownCodes("throw new AppError('forbidden', code, 'msg')").dynamic).toBe(1);
  });

  it('has a zh-CN and an English message for every code', () => {
    const missing = [...all].filter((c) => !ERROR_MESSAGES[c]?.['zh-CN'] || !ERROR_MESSAGES[c]?.en).sort();
    expect(missing).toEqual([]);
  });
});
