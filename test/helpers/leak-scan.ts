/**
 * Finds secrets in captured output (logs, HTTP bodies, database dumps) for the hygiene tests of
 * issue 4 §7. Each secret is searched as raw UTF-8 text, hex (either case), and Base64/Base64url at
 * every byte alignment, because a leaked key usually appears encoded inside a larger blob.
 */
export interface WatchedSecret {
  label: string;
  value: string | Buffer;
}

const MIN_BYTES = 8;

export function findLeaks(haystack: string, secrets: readonly WatchedSecret[]): string[] {
  const found: string[] = [];
  for (const s of secrets) {
    if (needles(s.value).some((n) => haystack.includes(n))) found.push(s.label);
  }
  return found;
}

/** The strings whose presence means the secret leaked. Throws for secrets too short to search safely. */
export function needles(value: string | Buffer): string[] {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  if (bytes.length < MIN_BYTES) throw new RangeError(`a watched secret needs at least ${MIN_BYTES} bytes to be searched without false alarms`);
  const out = new Set<string>();
  if (typeof value === 'string') out.add(value);
  out.add(bytes.toString('hex'));
  out.add(bytes.toString('hex').toUpperCase());
  for (let k = 0; k < 3; k++) {
    // With k bytes before it, the secret's Base64 differs; the 4-character groups that hold only
    // secret bytes do not depend on the neighbours, so drop the first group when shifted and the last
    // one when it is partial (it then mixes with whatever follows).
    const enc = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const core = enc.slice(k === 0 ? 0 : 4, (k + bytes.length) % 3 === 0 ? enc.length : enc.length - 4);
    if (core.length >= 8) {
      out.add(core);
      out.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...out];
}
