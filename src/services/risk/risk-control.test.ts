import { expect, it } from 'vitest';
import { describeEachDb } from '../../../test/helpers/db.ts';
import { createTestMerchant } from '../../../test/helpers/merchant.ts';
import { fixedClock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { createLogger } from '../../lib/logger.ts';
import { DEFAULT_RULE_SET, MemoryVelocityStore } from '../../risk/index.ts';
import { RiskControl } from './risk-control.ts';

describeEachDb('risk control: the per-merchant cache', (t) => {
  it('reloads after its TTL but recompiles the rules only when the stored rules changed', async () => {
    const clock = fixedClock(Date.parse('2025-05-01T00:00:00Z'));
    const risk = new RiskControl({ store: new MemoryVelocityStore(), clock, logger: createLogger({ level: 'silent' }), cacheTtlMs: 1000 });
    const m = await createTestMerchant(t.db);
    const first = await risk.forMerchant(t.db, m.id);
    clock.advance(1001);
    const again = await risk.forMerchant(t.db, m.id);
    // A fresh engine (lists are re-read) around the same compiled, immutable rule set.
    expect(again).not.toBe(first);
    expect(again.ruleSet).toBe(first.ruleSet);

    const id = newId('rs');
    const rules = DEFAULT_RULE_SET.rules.map((r, i) => (i === 0 ? { ...r, enabled: false } : r));
    await t.db
      .insertInto('risk_rule_sets')
      .values({ id, merchant_id: m.id, version: 42, status: 'published', rules: JSON.stringify(rules), note: null, created_by: 'test', created_at: new Date(clock.now()), published_by: 'test', published_at: new Date(clock.now()) })
      .execute();
    // Within the TTL the cached decision stands; after it, the changed rules are compiled and used.
    expect((await risk.forMerchant(t.db, m.id)).ruleSet).toBe(first.ruleSet);
    clock.advance(1001);
    const changed = await risk.forMerchant(t.db, m.id);
    expect(changed.ruleSet).not.toBe(first.ruleSet);
    expect(changed.ruleSet.version).toBe(42);
    expect(changed.ruleSetId).toBe(id);
    expect(changed.ruleSet.enabled.length).toBe(first.ruleSet.enabled.length - 1);
    clock.advance(1001);
    expect((await risk.forMerchant(t.db, m.id)).ruleSet).toBe(changed.ruleSet);
    await risk.close();
  });
});
