import type { ASTNode } from '@marcbachmann/cel-js';

/**
 * CEL's `matches()` runs on the JavaScript regular expression engine, which backtracks: a pattern
 * such as `(a+)+$` takes minutes on a 40-character description, and the payer controls the user
 * agent and the merchant the description. One such rule would stall every decision (evaluation is
 * synchronous). So a rule's patterns are held, at publish time, to a shape whose matching cost is
 * bounded: a string literal; no repeated group (`(…)*`, `(…)+`, `(…){n}`), back-reference or
 * lookaround; at most one unbounded repetition (`*`, `+`, `{n,}`); and a cap on the combined
 * choices from `?`, bounded repetitions and alternatives (256, or 4 beside an unbounded repetition).
 * The cost of a failing match is then at most about length² × choices steps: about 1 ms on an
 * adversarial 512-character user agent. Anything this reader does not understand is refused
 * rather than guessed at.
 */
export const MAX_UNBOUNDED_REPETITIONS = 1;
export const MAX_CHOICES = 256;
export const MAX_CHOICES_WITH_UNBOUNDED = 4;

export interface RegexProblem {
  /** Offset of the offending pattern (or argument) in the expression. */
  offset: number;
  message: string;
}

type Verdict = { ok: true } | { ok: false; reason: string };

const refuse = (reason: string): Verdict => ({ ok: false, reason });

/** Checks one pattern against the bounded shape described above. */
export function checkPattern(p: string): Verdict {
  let unbounded = 0;
  let choices = 1;
  /** Alternatives of each open group; the last is the innermost (index 0 is the whole pattern). */
  const alternatives: number[] = [1];
  /** What a quantifier would apply to here. */
  let last: 'atom' | 'group' | 'none' = 'none';
  let i = 0;
  const bump = (n: number): void => {
    choices *= n;
  };
  while (i < p.length) {
    const c = p[i]!;
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) return refuse('the pattern ends with a lone backslash');
      if (/[1-9]/.test(n) || n === 'k') return refuse('back-references are not allowed');
      i += 2;
      last = 'atom';
      continue;
    }
    if (c === '[') {
      let j = i + 1;
      if (p[j] === '^') j++;
      // JavaScript reads "[]" as an empty class and the rest as more pattern: too easy to misjudge.
      if (p[j] === ']') return refuse('write \\] for a literal ] at the start of a class');
      while (j < p.length && p[j] !== ']') j += p[j] === '\\' ? 2 : 1;
      if (j >= p.length) return refuse('a character class is not closed');
      i = j + 1;
      last = 'atom';
      continue;
    }
    if (c === '(') {
      if (p[i + 1] === '?') {
        if (p[i + 2] !== ':') return refuse('lookarounds and named groups are not allowed; use (?:…) or (…)');
        i += 3;
      } else i++;
      alternatives.push(1);
      last = 'none';
      continue;
    }
    if (c === ')') {
      if (alternatives.length === 1) return refuse('unbalanced parenthesis');
      bump(alternatives.pop()!);
      i++;
      last = 'group';
      continue;
    }
    if (c === '|') {
      alternatives[alternatives.length - 1]!++;
      i++;
      last = 'none';
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      let min: number;
      let max: number;
      let len = 1;
      if (c === '{') {
        const m = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(p.slice(i));
        if (!m) return refuse('write \\{ for a literal brace');
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        if (max < min) return refuse('a repetition {n,m} needs n ≤ m');
        len = m[0].length;
      } else {
        min = c === '+' ? 1 : 0;
        max = c === '?' ? 1 : Infinity;
      }
      if (last === 'none') return refuse('a repetition must follow something to repeat');
      if (last === 'group' && max > 1) return refuse('a repeated group can take exponential time; repeat single characters or classes only');
      if (max === Infinity) unbounded++;
      else bump(max - min + 1);
      i += len;
      if (p[i] === '?') i++; // lazy
      last = 'none'; // a quantifier on a quantifier is a syntax error: refused by the check above
      continue;
    }
    // ^, $ and . and every other character: anchors are not repeatable, the rest are atoms.
    last = c === '^' || c === '$' ? 'none' : 'atom';
    i++;
  }
  if (alternatives.length !== 1) return refuse('unbalanced parenthesis');
  bump(alternatives[0]!);
  if (unbounded > MAX_UNBOUNDED_REPETITIONS) return refuse(`at most ${MAX_UNBOUNDED_REPETITIONS} unbounded repetition (*, + or {n,}) per pattern; combine contains() checks instead`);
  const cap = unbounded > 0 ? MAX_CHOICES_WITH_UNBOUNDED : MAX_CHOICES;
  if (choices > cap) return refuse(`too many alternatives and optional parts (at most ${cap} combinations${unbounded > 0 ? ' beside an unbounded repetition' : ''})`);
  return { ok: true };
}

function isNode(value: unknown): value is ASTNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

function offsetOf(node: unknown): number {
  const n = node as { start?: unknown; pos?: unknown };
  return typeof n.start === 'number' ? n.start : typeof n.pos === 'number' ? n.pos : 0;
}

/** Every `matches()` call of a checked expression whose pattern is not a bounded literal. */
export function unsafePatterns(ast: ASTNode): RegexProblem[] {
  const problems: RegexProblem[] = [];
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const item = stack.pop();
    if (Array.isArray(item)) {
      stack.push(...item);
      continue;
    }
    if (!isNode(item)) continue;
    const args = item.args as unknown;
    if ((item.op === 'rcall' || item.op === 'call') && Array.isArray(args) && args[0] === 'matches') {
      // rcall: [name, receiver, [pattern]]; call: [name, [subject, pattern]]
      const list = (item.op === 'rcall' ? args[2] : args[1]) as unknown;
      const pattern = Array.isArray(list) ? (list[list.length - 1] as unknown) : undefined;
      if (!isNode(pattern) || pattern.op !== 'value' || typeof pattern.args !== 'string') {
        problems.push({ offset: isNode(pattern) ? offsetOf(pattern) : offsetOf(item), message: 'the pattern of matches() must be a string literal' });
      } else {
        const verdict = checkPattern(pattern.args);
        if (!verdict.ok) problems.push({ offset: offsetOf(pattern), message: `unsafe matches() pattern: ${verdict.reason}` });
      }
    }
    stack.push(args);
  }
  return problems.sort((a, b) => a.offset - b.offset);
}
