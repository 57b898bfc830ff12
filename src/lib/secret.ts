import { inspect } from 'node:util';
import { timingSafeEqual, createHash } from 'node:crypto';

const REDACTED = '[REDACTED]';

/**
 * A value that never prints: not through String(), JSON.stringify, util.inspect or template literals.
 * Call `reveal()` at the one place the raw value is really needed.
 */
export class Secret<T> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

/** Constant-time comparison of two strings; lengths are hidden by hashing both first. */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
