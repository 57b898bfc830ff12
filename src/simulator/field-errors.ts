import type { z } from 'zod';
import { paramError, type SimError } from './sim-error.ts';

/** A JSON Pointer (RFC 6901) for `detail.field`, as WeChat reports body errors (spec §6.1). */
export function jsonPointer(path: readonly PropertyKey[]): string {
  return `/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/**
 * Turns zod issues into one WeChat PARAM_ERROR. Undeclared fields win, because WeChat rejects them
 * before looking at values (internal number 270924358, "参数中含有非法的额外参数").
 */
export function toParamError(issues: readonly z.core.$ZodIssue[], input: unknown, location: 'body' | 'query' = 'body'): SimError {
  const extra = issues.find((i) => i.code === 'unrecognized_keys');
  if (extra && extra.code === 'unrecognized_keys') {
    const path = [...extra.path, extra.keys[0] ?? ''];
    return paramError('参数中含有非法的额外参数', { field: jsonPointer(path), issue: 'unrecognized field', location });
  }
  const first = issues[0];
  if (!first) return paramError('参数错误');
  const field = location === 'body' ? jsonPointer(first.path) : String(first.path[0] ?? '');
  const value = valueAt(input, first.path);
  if (value === undefined && first.code === 'invalid_type') {
    return paramError(`缺少参数 ${field}`, { field, issue: 'missing required field', location });
  }
  const detail = { field, issue: first.message, location };
  const shown = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? { ...detail, value } : detail;
  return paramError(`参数错误：${field} ${first.message}`, shown);
}
