import type { ParseResult } from '@marcbachmann/cel-js';
import { AppError } from '../lib/errors.ts';
import { checkEnvironment, evalEnvironment } from './cel-environment.ts';
import { keysReadBy, mergeReadKeys, type ReadKeys, type SeriesRef } from './fact-usage.ts';
import { unsafePatterns } from './regex-guard.ts';
import { ruleSetSchema, type Rule } from './rule.ts';

/**
 * Publish-time compilation: every expression is parsed and type-checked once, so evaluation never
 * meets a syntax error and a rule set with any bad rule is refused as a whole.
 */
export interface SourcePosition {
  /** 0-based character offset into the expression. */
  offset: number;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export type RuleSetErrorCode =
  | 'invalid_rule_set'
  | 'cel_syntax_error'
  | 'cel_type_error'
  | 'cel_not_boolean'
  | 'cel_unsafe_regex';

export interface RuleSetError {
  code: RuleSetErrorCode;
  /** Absent for errors about the set itself. */
  rule_id?: string;
  /** Path into the submitted document, e.g. "rules.3.expression". */
  path: string;
  message: string;
  position?: SourcePosition;
}

export interface CompiledRule extends Rule {
  readonly evaluate: ParseResult;
  readonly reads: ReadonlySet<SeriesRef>;
  readonly readKeys: ReadKeys;
}

export interface CompiledRuleSet {
  readonly version: number;
  /** All rules, sorted by priority then id; disabled ones are kept for display. */
  readonly rules: readonly CompiledRule[];
  /** Enabled rules in evaluation order. */
  readonly enabled: readonly CompiledRule[];
  /** Union of the velocity series the enabled rules read. */
  readonly reads: ReadonlySet<SeriesRef>;
  /** And of the aggregate keys read in each, so decide() converts only those to CEL ints. */
  readonly readKeys: ReadKeys;
}

export type CompileResult = { ok: CompiledRuleSet; errors?: undefined } | { ok?: undefined; errors: RuleSetError[] };

export function positionOf(source: string, offset: number): SourcePosition {
  const clamped = Math.max(0, Math.min(offset, source.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < clamped; i++) {
    if (source[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset: clamped, line, column: clamped - lineStart + 1 };
}

interface CelErrorShape {
  name?: string;
  summary?: string;
  message?: string;
  range?: { start: number; end: number };
}

function celError(rule: Rule, index: number, err: CelErrorShape): RuleSetError {
  const syntax = err.name === 'ParseError';
  const summary = err.summary ?? err.message ?? 'invalid expression';
  const position = err.range ? positionOf(rule.expression, err.range.start) : undefined;
  const where = position ? ` at line ${position.line}, column ${position.column}` : '';
  return {
    code: syntax ? 'cel_syntax_error' : 'cel_type_error',
    rule_id: rule.id,
    path: `rules.${index}.expression`,
    message: `rule "${rule.id}": ${syntax ? 'syntax error' : 'type error'}${where}: ${summary}`,
    ...(position ? { position } : {}),
  };
}

function compileRule(rule: Rule, index: number): CompiledRule | RuleSetError {
  try {
    const checked = checkEnvironment.check(rule.expression);
    if (!checked.valid) return celError(rule, index, checked.error ?? {});
    if (checked.type !== 'bool') {
      return {
        code: 'cel_not_boolean',
        rule_id: rule.id,
        path: `rules.${index}.expression`,
        message: `rule "${rule.id}": expression must be a bool, but it is ${checked.type ?? 'unknown'}`,
        position: positionOf(rule.expression, 0),
      };
    }
    const evaluate = evalEnvironment.parse(rule.expression);
    // matches() backtracks: only patterns of bounded cost are accepted (regex-guard.ts).
    const [unsafe] = unsafePatterns(evaluate.ast);
    if (unsafe) {
      const position = positionOf(rule.expression, unsafe.offset);
      return {
        code: 'cel_unsafe_regex',
        rule_id: rule.id,
        path: `rules.${index}.expression`,
        message: `rule "${rule.id}": at line ${position.line}, column ${position.column}: ${unsafe.message}`,
        position,
      };
    }
    // Type-check in the evaluation environment too: the library annotates the tree, so no live
    // decision pays for checking, and any drift between the two environments is caught here.
    const evalChecked = evaluate.check();
    if (!evalChecked.valid) return celError(rule, index, evalChecked.error ?? {});
    const readKeys = keysReadBy(evaluate.ast, rule.expression);
    return { ...rule, evaluate, reads: new Set(readKeys.keys()), readKeys };
  } catch (e) {
    return celError(rule, index, e as CelErrorShape);
  }
}

export function compileRuleSet(input: unknown): CompileResult {
  const parsed = ruleSetSchema.safeParse(input);
  if (!parsed.success) {
    return {
      errors: parsed.error.issues.map((issue) => ({
        code: 'invalid_rule_set' as const,
        path: issue.path.join('.'),
        message: `${issue.path.join('.') || 'rule set'}: ${issue.message}`,
      })),
    };
  }
  const errors: RuleSetError[] = [];
  const rules: CompiledRule[] = [];
  parsed.data.rules.forEach((rule, i) => {
    const result = compileRule(rule, i);
    if ('evaluate' in result) rules.push(result);
    else errors.push(result);
  });
  if (errors.length > 0) return { errors };

  rules.sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const enabled = rules.filter((r) => r.enabled);
  const readKeys: ReadKeys = new Map();
  for (const rule of enabled) mergeReadKeys(readKeys, rule.readKeys);
  return { ok: { version: parsed.data.version, rules, enabled, reads: new Set(readKeys.keys()), readKeys } };
}

/** For callers that treat a bad rule set as a client error (the admin API). */
export function compileRuleSetOrThrow(input: unknown): CompiledRuleSet {
  const result = compileRuleSet(input);
  if (result.ok) return result.ok;
  const first = result.errors[0];
  throw new AppError('invalid_input', 'risk_rule_set_invalid', first?.message ?? 'invalid rule set', {
    errors: result.errors,
  });
}
