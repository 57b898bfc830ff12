/**
 * Runs a console hook in Node without a DOM, for unit tests: a small stand-in for React's `useState`,
 * `useRef`, `useMemo`, `useCallback` and `useEffect` (re-render on a state change, effects after each
 * render when their dependencies change, the latest effect's cleanup before the next). A test replaces
 * React with it:
 *
 *   vi.mock('react', () => import('../testing/render-hook.ts'));
 *   const hook = renderHook(() => useList<Item>('/items'));
 *
 * It is not React: no batching, no concurrent rendering, one hook at a time. Never imported by the app.
 */
type Deps = readonly unknown[] | undefined;
interface EffectSlot {
  deps: Deps;
  cleanup?: (() => void) | void;
}

let slots: unknown[] = [];
let index = 0;
let pending: Array<() => void> = [];
let requestRender: () => void = () => {
  throw new Error('a hook ran outside renderHook');
};

function changed(prev: Deps, next: Deps): boolean {
  return prev === undefined || next === undefined || prev.length !== next.length || prev.some((v, i) => !Object.is(v, next[i]));
}

export function useState<S>(initial: S | (() => S)): [S, (next: S | ((prev: S) => S)) => void] {
  const i = index++;
  if (!(i in slots)) {
    const slot = {
      value: typeof initial === 'function' ? (initial as () => S)() : initial,
      set: (next: S | ((prev: S) => S)) => {
        const value = typeof next === 'function' ? (next as (prev: S) => S)(slot.value) : next;
        if (Object.is(value, slot.value)) return;
        slot.value = value;
        requestRender();
      },
    };
    slots[i] = slot;
  }
  const slot = slots[i] as { value: S; set(next: S | ((prev: S) => S)): void };
  return [slot.value, slot.set];
}

export function useRef<T>(initial: T): { current: T } {
  const i = index++;
  if (!(i in slots)) slots[i] = { current: initial };
  return slots[i] as { current: T };
}

export function useMemo<T>(compute: () => T, deps: Deps): T {
  const i = index++;
  const slot = slots[i] as { value: T; deps: Deps } | undefined;
  if (slot && !changed(slot.deps, deps)) return slot.value;
  const value = compute();
  slots[i] = { value, deps };
  return value;
}

export function useCallback<F>(fn: F, deps: Deps): F {
  return useMemo(() => fn, deps);
}

export function useEffect(effect: () => (() => void) | void, deps?: Deps): void {
  const i = index++;
  const slot = slots[i] as EffectSlot | undefined;
  if (slot && !changed(slot.deps, deps)) return;
  const next: EffectSlot = { deps, cleanup: slot?.cleanup };
  slots[i] = next;
  pending.push(() => {
    if (typeof next.cleanup === 'function') next.cleanup();
    next.cleanup = effect();
  });
}

/** Renders `hook` now and again after every state change; `current` is what the last render returned. */
export function renderHook<R>(hook: () => R): { readonly current: R; readonly renders: number } {
  slots = [];
  pending = [];
  let result: R | undefined;
  let renders = 0;
  let rendering = false;
  let again = false;
  const render = () => {
    if (rendering) {
      again = true;
      return;
    }
    rendering = true;
    try {
      do {
        again = false;
        index = 0;
        renders++;
        result = hook();
        const effects = pending;
        pending = [];
        for (const run of effects) run();
      } while (again);
    } finally {
      rendering = false;
    }
  };
  requestRender = render;
  render();
  return {
    get current() {
      return result as R;
    },
    get renders() {
      return renders;
    },
  };
}
