import { createElement as h } from 'react';
import { describe, expect, it } from 'vitest';
import { renderMarkup } from '../testing/render-markup.ts';
import { DataTable, type Column } from './data-table.tsx';

interface Row {
  id: string;
  amount: number;
}
const columns: Column<Row>[] = [
  { header: 'ID', cell: (r) => h('code', null, r.id) },
  { header: 'Amount', cell: (r) => r.amount, className: 'num', headerClassName: 'num' },
  { header: 'Actions', cell: () => 'x', className: 'button-row' },
];

describe('DataTable', () => {
  it('renders column headings with scope=col and one row per item, cells classed per column', () => {
    const html = renderMarkup(h(DataTable<Row>, { columns, rows: [{ id: 'a', amount: 1 }, { id: 'b', amount: 2 }], rowKey: (r) => r.id, testId: 'things' }));
    expect(html).toBe(
      '<div class="table-wrap"><table class="table" data-testid="things">' +
        '<thead><tr><th scope="col">ID</th><th scope="col" class="num">Amount</th><th scope="col">Actions</th></tr></thead>' +
        '<tbody><tr><td><code>a</code></td><td class="num">1</td><td class="button-row">x</td></tr>' +
        '<tr><td><code>b</code></td><td class="num">2</td><td class="button-row">x</td></tr></tbody></table></div>',
    );
  });

  it('says so in one full-width row when empty, or leaves the body empty when no message is given', () => {
    const empty = renderMarkup(h(DataTable<Row>, { columns, rows: [], rowKey: (r) => r.id, empty: 'Nothing here yet.' }));
    expect(empty).toContain('<tbody><tr><td colSpan="3" class="muted">Nothing here yet.</td></tr></tbody>');
    expect(empty).not.toContain('data-testid');
    const bare = renderMarkup(h(DataTable<Row>, { columns, rows: [], rowKey: (r) => r.id }));
    expect(bare).toContain('<tbody></tbody>');
  });

  it('shows the empty message only when there are no rows', () => {
    const html = renderMarkup(h(DataTable<Row>, { columns, rows: [{ id: 'a', amount: 1 }], rowKey: (r) => r.id, empty: 'Nothing here yet.' }));
    expect(html).not.toContain('Nothing here yet.');
  });
});
