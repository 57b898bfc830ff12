import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, chainEntry, entryHash, GENESIS_HASH, verifyChain, type ChainedEntry } from './chain.ts';

function build(contents: Array<Record<string, unknown>>): ChainedEntry[] {
  const out: ChainedEntry[] = [];
  let prev = GENESIS_HASH;
  contents.forEach((c, i) => {
    const e = chainEntry(prev, `aud_${i}`, c);
    out.push(e);
    prev = e.hash;
  });
  return out;
}

const contentArb = fc.record({
  action: fc.constantFrom('login.succeeded', 'login.failed', 'refund.created', 'key.rotated', 'pii.read'),
  actor: fc.string({ maxLength: 12 }),
  at: fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString()),
  amount: fc.integer(),
  details: fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 4 }),
});

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('encodes numbers and strings stably', () => {
    expect(canonicalJson([1e21, 0.1, -0, 100, 1.5e-7, '中文\n"q"', '\u2028'])).toBe('[1e+21,0.1,0,100,1.5e-7,"中文\\n\\"q\\"","\u2028"]');
  });

  it('is independent of key insertion order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
      }),
    );
  });

  it('parses back to an equal value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalJson(JSON.parse(canonicalJson(v)))).toBe(canonicalJson(v));
      }),
    );
  });

  it('refuses values JSON cannot carry faithfully', () => {
    for (const bad of [NaN, Infinity, 10n, new Date(0), () => 1, [undefined]]) expect(() => canonicalJson(bad)).toThrow(TypeError);
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain and reports its head; the empty chain’s head is the genesis hash', async () => {
    const chain = build([{ action: 'a' }, { action: 'b' }, { action: 'c' }]);
    expect(await verifyChain(chain)).toEqual({ ok: true, head: chain[2]!.hash, count: 3 });
    expect(await verifyChain([])).toEqual({ ok: true, head: GENESIS_HASH, count: 0 });
  });

  it('streams from an async iterable and resumes from a checkpoint', async () => {
    const chain = build([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    async function* stream(): AsyncGenerator<ChainedEntry> {
      yield* chain.slice(2);
    }
    expect(await verifyChain(stream(), { startHash: chain[1]!.hash })).toMatchObject({ ok: true, head: chain[3]!.hash, count: 2 });
  });

  it('detects any single modification of content, naming the entry', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(contentArb, { minLength: 1, maxLength: 12 }), fc.nat(), fc.string({ minLength: 1 }), async (contents, k, junk) => {
        const chain = build(contents);
        const i = k % chain.length;
        const original = chain[i]!;
        const modified = { ...original.content, actor: `${String(original.content.actor)}${junk}` };
        const tampered = chain.map((e, j) => (j === i ? { ...e, content: modified } : e));
        expect(await verifyChain(tampered)).toEqual({ ok: false, firstBrokenIndex: i, firstBrokenId: original.id, reason: 'hash_mismatch' });
      }),
    );
  });

  it('detects a rewritten entry whose own hash was recomputed (the next link breaks)', async () => {
    const chain = build([{ a: 1 }, { a: 2 }, { a: 3 }]);
    const forged = chainEntry(chain[0]!.hash, chain[1]!.id, { a: 999 });
    const r = await verifyChain([chain[0]!, forged, chain[2]!]);
    expect(r).toEqual({ ok: false, firstBrokenIndex: 2, firstBrokenId: 'aud_2', reason: 'prev_hash_mismatch' });
  });

  it('detects removal, reordering and insertion anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(contentArb, { minLength: 2, maxLength: 10 }), fc.nat(), fc.nat(), fc.constantFrom('remove', 'swap', 'insert'), async (contents, a, b, op) => {
        const chain = build(contents);
        const i = a % chain.length;
        let changed: ChainedEntry[];
        if (op === 'remove') {
          if (i === chain.length - 1) return; // tail truncation: covered by the anchored-head test
          changed = chain.filter((_, j) => j !== i);
        } else if (op === 'swap') {
          const j = (i + 1 + (b % (chain.length - 1))) % chain.length;
          changed = [...chain];
          [changed[i], changed[j]] = [changed[j]!, changed[i]!];
        } else {
          const stray = chainEntry(chain[i]!.prevHash, 'aud_stray', { action: 'forged' });
          changed = [...chain.slice(0, i), stray, ...chain.slice(i)];
        }
        const r = await verifyChain(changed);
        expect(r.ok).toBe(false);
      }),
    );
  });

  it('detects tail truncation only against an anchored head', async () => {
    const chain = build([{ a: 1 }, { a: 2 }, { a: 3 }]);
    const head = chain[2]!.hash;
    expect((await verifyChain(chain.slice(0, 2))).ok).toBe(true);
    expect(await verifyChain(chain.slice(0, 2), { expectedHead: head })).toEqual({ ok: false, firstBrokenIndex: 2, firstBrokenId: null, reason: 'head_mismatch' });
    expect(await verifyChain(chain, { expectedHead: head })).toMatchObject({ ok: true });
    expect(await verifyChain(chain.slice(0, 2), { anchoredHead: head })).toEqual({ ok: false, firstBrokenIndex: 2, firstBrokenId: null, reason: 'anchor_not_found' });
  });

  it('accepts entries appended after an anchored head, and an anchor at the start', async () => {
    const chain = build([{ a: 1 }, { a: 2 }, { a: 3 }, { a: 4 }]);
    expect(await verifyChain(chain, { anchoredHead: chain[1]!.hash, expectedHead: chain[3]!.hash })).toMatchObject({ ok: true, count: 4 });
    expect(await verifyChain(chain.slice(2), { startHash: chain[1]!.hash, anchoredHead: chain[1]!.hash })).toMatchObject({ ok: true, count: 2 });
    expect(await verifyChain(chain, { anchoredHead: 'f'.repeat(64) })).toMatchObject({ ok: false, reason: 'anchor_not_found' });
  });

  it('reports a malformed entry instead of throwing', async () => {
    const chain = build([{ a: 1 }]);
    expect(await verifyChain([{ ...chain[0]!, content: null as unknown as Record<string, unknown> }])).toMatchObject({ ok: false, reason: 'malformed', firstBrokenIndex: 0 });
    expect(await verifyChain([{ ...chain[0]!, content: { x: NaN } }])).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('binds the entry id into its hash', () => {
    expect(chainEntry(GENESIS_HASH, 'aud_1', { a: 1 }).hash).not.toBe(chainEntry(GENESIS_HASH, 'aud_2', { a: 1 }).hash);
    expect(() => entryHash('nothex', {})).toThrow(TypeError);
  });
});
