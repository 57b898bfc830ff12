import { describe, expect, it } from 'vitest';
import { matchPath } from './match-path.ts';

describe('matchPath', () => {
  it('extracts named segments', () => {
    expect(matchPath('/payments/:id', '/payments/pay_1')).toEqual({ id: 'pay_1' });
    expect(matchPath('/merchants/:id', '/merchants/mer%2F1')).toEqual({ id: 'mer/1' });
  });
  it('does not match other shapes', () => {
    expect(matchPath('/payments/:id', '/payments')).toBeNull();
    expect(matchPath('/payments/:id', '/merchants/x')).toBeNull();
    expect(matchPath('/', '/')).toEqual({});
    expect(matchPath('/payments/:id', '/payments/%E0%A4%A')).toBeNull();
  });
});
