import { createElement as h } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client.ts';
import { renderMarkup } from '../testing/render-markup.ts';
import { ConfirmActionDialog } from './confirm-dialog.tsx';
import { LoadStates } from './page-state.tsx';

const idle = { loading: false, error: undefined, reload: () => undefined };

describe('LoadStates', () => {
  it('shows "loading" until the first answer only, not over data already shown', () => {
    expect(renderMarkup(h(LoadStates, { state: { ...idle, loading: true }, data: undefined }))).toBe('<p class="muted" role="status" aria-live="polite">Loading…</p>');
    expect(renderMarkup(h(LoadStates, { state: { ...idle, loading: true }, data: [{ id: 'a' }] }))).toBe('');
    expect(renderMarkup(h(LoadStates, { state: { ...idle, loading: true }, data: undefined }), 'zh-CN')).toContain('加载中…');
  });

  it('shows an error with a retry button, even over data already shown; a 403 as no permission', () => {
    const error = new ApiError(503, 'unavailable', 'try later');
    const html = renderMarkup(h(LoadStates, { state: { ...idle, error }, data: [{ id: 'a' }] }));
    expect(html).toBe('<div class="notice notice-error" role="alert"><p>Something went wrong: try later</p><button type="button">Retry</button></div>');
    const forbidden = renderMarkup(h(LoadStates, { state: { ...idle, error: new ApiError(403, 'permission_denied', 'no') }, data: undefined }));
    expect(forbidden).toContain('data-testid="no-permission"');
  });

  it('shows the empty message for an empty list only', () => {
    expect(renderMarkup(h(LoadStates, { state: idle, data: [], empty: 'No open alerts.' }))).toBe('<p class="muted">No open alerts.</p>');
    expect(renderMarkup(h(LoadStates, { state: idle, data: [{ id: 'a' }], empty: 'No open alerts.' }))).toBe('');
    expect(renderMarkup(h(LoadStates, { state: idle, data: undefined, empty: 'No open alerts.' }))).toBe('');
    expect(renderMarkup(h(LoadStates, { state: idle, data: [] }))).toBe('');
  });
});

describe('ConfirmActionDialog', () => {
  type Key = { id: string };
  const props = (target: Key | null) => ({
    target,
    title: 'Revoke',
    busy: false,
    onConfirm: vi.fn(async (_k: Key) => undefined),
    onClose: vi.fn(),
    children: (k: Key) => h('p', null, `Revoke ${k.id}?`),
  });
  // The wrapper has no hooks of its own: calling it gives the ConfirmDialog element and its handlers.
  const dialogOf = (p: ReturnType<typeof props>) => ConfirmActionDialog<Key>(p) as { props: { open: boolean; onConfirm(): Promise<void>; onCancel(): void } };

  it('is open while there is a target, and asks about that target', () => {
    expect(dialogOf(props(null)).props.open).toBe(false);
    expect(dialogOf(props({ id: 'key_1' })).props.open).toBe(true);
    const html = renderMarkup(h(ConfirmActionDialog<Key>, props({ id: 'key_1' })));
    expect(html).toContain('<p>Revoke key_1?</p>');
    expect(html).toContain('data-testid="confirm"');
  });

  it('confirming runs the action on the target, then closes; cancelling only closes', async () => {
    const p = props({ id: 'key_1' });
    const order: string[] = [];
    p.onConfirm.mockImplementation(async (k) => {
      order.push(`run ${k.id}`);
    });
    p.onClose.mockImplementation(() => order.push('close'));
    await dialogOf(p).props.onConfirm();
    expect(order).toEqual(['run key_1', 'close']);

    const q = props({ id: 'key_2' });
    dialogOf(q).props.onCancel();
    expect(q.onConfirm).not.toHaveBeenCalled();
    expect(q.onClose).toHaveBeenCalledTimes(1);
  });
});
