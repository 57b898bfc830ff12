import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors.ts';
import { assertInScope, assertPermission, PERMISSIONS, ROLE_PERMISSIONS, ROLES } from './permissions.ts';

describe('permission matrix', () => {
  it('docs/permissions.md shows exactly the matrix the server checks', () => {
    const md = readFileSync(new URL('../../../docs/permissions.md', import.meta.url), 'utf8');
    const rows = md.split('\n').filter((l) => /^\| [a-z_]+\.[a-z_]+/.test(l));
    expect(rows.map((r) => r.split('|')[1]!.trim().split(' ')[0])).toEqual([...PERMISSIONS]);
    for (const row of rows) {
      const cells = row.split('|').slice(1, -1).map((c) => c.trim());
      const permission = cells[0]!.split(' ')[0] as (typeof PERMISSIONS)[number];
      ROLES.forEach((role, i) => expect([permission, role, cells[i + 1]!.startsWith('✓')]).toEqual([permission, role, ROLE_PERMISSIONS[role].has(permission)]));
    }
  });

  it('refuses a missing permission with 403 permission_denied and out-of-scope merchants as not found', () => {
    expect(() => assertPermission('viewer', 'refunds.create')).toThrow(expect.objectContaining({ kind: 'forbidden', code: 'permission_denied' }) as AppError);
    expect(() => assertPermission('finance', 'refunds.create')).not.toThrow();
    expect(() => assertInScope(['mer_a'], 'mer_b')).toThrow(expect.objectContaining({ kind: 'not_found', code: 'merchant_not_found' }) as AppError);
    expect(() => assertInScope(null, 'mer_b')).not.toThrow();
    expect(() => assertInScope([], 'mer_a')).toThrow();
  });
});
