import { describe, expect, it } from 'vitest';
import { aggregateFacts } from './build-facts.ts';
import { AGGREGATE_KEYS, VELOCITY_WINDOWS } from './facts.ts';

describe('aggregateFacts', () => {
  it('names every window of a store answer with the documented keys, in window order', () => {
    const answer = VELOCITY_WINDOWS.map((_, j) => ({ count: 10 + j, sum: 100 + j, distinct: 1_000 + j }));
    const facts = aggregateFacts(answer);
    expect(Object.keys(facts).sort()).toEqual([...AGGREGATE_KEYS].sort());
    VELOCITY_WINDOWS.forEach((w, j) => {
      expect(facts[`count_${w.suffix}`]).toBe(10 + j);
      expect(facts[`sum_${w.suffix}`]).toBe(100 + j);
      expect(facts[`distinct_${w.suffix}`]).toBe(1_000 + j);
    });
  });

  it('reads a missing window as zeros', () => {
    expect(aggregateFacts([])['sum_24h']).toBe(0);
  });
});
