import { createElement as h } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { renderMarkup } from '../testing/render-markup.ts';
import { Pager } from './pager.tsx';

describe('Pager', () => {
  const list = (cursor: string | null, nextCursor: string | null) => ({ cursor, nextCursor, first: vi.fn(), next: vi.fn() });

  it('offers "first page" only away from the first page and "next page" only when the server has a cursor', () => {
    expect(renderMarkup(h(Pager, { list: list(null, 'pay_2') }))).toBe(
      '<nav class="pager" aria-label="Pages"><button type="button" disabled="">First page</button><button type="button">Next page</button></nav>',
    );
    expect(renderMarkup(h(Pager, { list: list('pay_2', null) }))).toBe(
      '<nav class="pager" aria-label="Pages"><button type="button">First page</button><button type="button" disabled="">Next page</button></nav>',
    );
  });

  it('speaks Chinese', () => {
    const html = renderMarkup(h(Pager, { list: list('pay_2', 'pay_4') }), 'zh-CN');
    expect(html).toContain('>第一页</button>');
    expect(html).toContain('>下一页</button>');
    expect(html).toContain('<nav class="pager" aria-label="分页">');
  });
});
