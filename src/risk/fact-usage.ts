import type { ASTNode } from '@marcbachmann/cel-js';
import { VELOCITY_DIMENSIONS, VELOCITY_FAMILIES, type VelocityDimension, type VelocityFamily } from './facts.ts';

/**
 * Which velocity aggregates a rule reads, so a decision fetches only those from the store (each
 * family × dimension is one sorted set in Redis). The analysis may over-approximate but never
 * under-approximate: any use of `velocity` other than `velocity.<dimension>` (say `velocity["ip"]`
 * or passing the whole map to a macro) counts as reading every dimension of that family.
 */
export type SeriesRef = `${VelocityFamily}.${VelocityDimension}`;

const FAMILIES = new Set<string>(VELOCITY_FAMILIES);
const DIMENSIONS = new Set<string>(VELOCITY_DIMENSIONS);

function isNode(value: unknown): value is ASTNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

function everyDimension(family: string, out: Set<SeriesRef>): void {
  for (const dim of VELOCITY_DIMENSIONS) out.add(`${family}.${dim}` as SeriesRef);
}

function visit(node: ASTNode, parent: ASTNode | null, out: Set<SeriesRef>): void {
  if (node.op === 'id') {
    const name = node.args;
    if (!FAMILIES.has(name)) return;
    const isFieldOf =
      parent !== null &&
      (parent.op === '.' || parent.op === '.?') &&
      parent.args[0] === node &&
      DIMENSIONS.has(parent.args[1]);
    if (isFieldOf) out.add(`${name}.${parent.args[1]}` as SeriesRef);
    else everyDimension(name, out);
    return;
  }
  const args: unknown = node.args;
  const stack: unknown[] = [args];
  while (stack.length > 0) {
    const item = stack.pop();
    if (isNode(item)) visit(item, node, out);
    else if (Array.isArray(item)) stack.push(...item);
  }
}

export function seriesReadBy(ast: ASTNode, source: string): Set<SeriesRef> {
  const out = new Set<SeriesRef>();
  visit(ast, null, out);
  // Belt and braces: if a family name appears in the source but the walk found no use of it (a
  // macro that rewrote the tree, say), fetch all of it rather than evaluate against zeros.
  for (const family of VELOCITY_FAMILIES) {
    const found = [...out].some((ref) => ref.startsWith(`${family}.`));
    if (!found && new RegExp(`\\b${family}\\b`).test(source)) everyDimension(family, out);
  }
  return out;
}
