import type { ASTNode } from '@marcbachmann/cel-js';
import { VELOCITY_DIMENSIONS, VELOCITY_FAMILIES, type VelocityDimension, type VelocityFamily } from './facts.ts';

/**
 * Which velocity aggregates a rule reads, so a decision fetches only those series from the store
 * (each family × dimension is one sorted set in Redis) and converts only those keys to CEL ints.
 * The analysis may over-approximate but never under-approximate: any use of `velocity` other
 * than `velocity.<dimension>.<key>` (say `velocity["ip"]`, or the whole map passed to a macro)
 * counts as reading every key, or every dimension, of that family.
 */
export type SeriesRef = `${VelocityFamily}.${VelocityDimension}`;

/** For each series read: the aggregate keys read, or 'all'. */
export type ReadKeys = Map<SeriesRef, Set<string> | 'all'>;

const FAMILIES = new Set<string>(VELOCITY_FAMILIES);
const DIMENSIONS = new Set<string>(VELOCITY_DIMENSIONS);

function isNode(value: unknown): value is ASTNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

function isFieldAccessOf(parent: ASTNode | null, child: ASTNode): parent is ASTNode & { op: '.' | '.?'; args: [ASTNode, string] } {
  return parent !== null && (parent.op === '.' || parent.op === '.?') && parent.args[0] === child;
}

function addAll(out: ReadKeys, ref: SeriesRef): void {
  out.set(ref, 'all');
}

function addKey(out: ReadKeys, ref: SeriesRef, key: string): void {
  const current = out.get(ref);
  if (current === 'all') return;
  if (current) current.add(key);
  else out.set(ref, new Set([key]));
}

function visit(node: ASTNode, parent: ASTNode | null, grandparent: ASTNode | null, out: ReadKeys): void {
  if (node.op === 'id') {
    const family = node.args;
    if (!FAMILIES.has(family)) return;
    if (isFieldAccessOf(parent, node) && DIMENSIONS.has(parent.args[1])) {
      const ref = `${family}.${parent.args[1]}` as SeriesRef;
      if (isFieldAccessOf(grandparent, parent)) addKey(out, ref, grandparent.args[1]);
      else addAll(out, ref);
    } else {
      for (const dim of VELOCITY_DIMENSIONS) addAll(out, `${family}.${dim}` as SeriesRef);
    }
    return;
  }
  const stack: unknown[] = [node.args];
  while (stack.length > 0) {
    const item = stack.pop();
    if (isNode(item)) visit(item, node, parent, out);
    else if (Array.isArray(item)) stack.push(...item);
  }
}

export function keysReadBy(ast: ASTNode, source: string): ReadKeys {
  const out: ReadKeys = new Map();
  visit(ast, null, null, out);
  // Belt and braces: if a family name appears in the source but the walk found no use of it (a
  // macro that rewrote the tree, say), read all of it rather than evaluate against zeros.
  for (const family of VELOCITY_FAMILIES) {
    const found = [...out.keys()].some((ref) => ref.startsWith(`${family}.`));
    if (!found && new RegExp(`\\b${family}\\b`).test(source)) {
      for (const dim of VELOCITY_DIMENSIONS) addAll(out, `${family}.${dim}` as SeriesRef);
    }
  }
  return out;
}

export function mergeReadKeys(into: ReadKeys, from: ReadonlyMap<SeriesRef, ReadonlySet<string> | 'all'>): void {
  for (const [ref, keys] of from) {
    if (keys === 'all') addAll(into, ref);
    else for (const key of keys) addKey(into, ref, key);
  }
}
