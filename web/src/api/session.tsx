import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, onUnauthenticated, setCsrfToken } from './client.ts';
import type { Me } from './types.ts';

export type SessionEnd = 'expired' | 'signed_out' | null;

interface SessionState {
  me: Me | null;
  /** True until the first /me answer: avoids flashing the login page on reload. */
  checking: boolean;
  ended: SessionEnd;
  signedIn(me: Me, csrf: string | undefined): void;
  signOut(): Promise<void>;
  can(permission: string): boolean;
}

const SessionContext = createContext<SessionState | null>(null);

/** Login response: `{ csrf_token, operator | me }` (the operator fields may also be at the top level). */
export function readLoginAnswer(raw: unknown): { me: Me; csrf: string | undefined } {
  const o = (raw ?? {}) as Record<string, unknown>;
  const me = (o.me ?? o.operator ?? o) as Me;
  const csrf = (o.csrf_token ?? me.csrf_token) as string | undefined;
  return { me, csrf };
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(true);
  const [ended, setEnded] = useState<SessionEnd>(null);

  useEffect(() => {
    let live = true;
    api<unknown>('GET', '/me').then(
      (raw) => {
        if (!live) return;
        const { me: m, csrf } = readLoginAnswer(raw);
        if (csrf) setCsrfToken(csrf);
        setMe(m);
        setChecking(false);
      },
      () => {
        if (!live) return;
        setMe(null);
        setChecking(false);
        setEnded(null);
      },
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(
    () =>
      onUnauthenticated(() => {
        setMe((prev) => {
          if (prev) setEnded('expired');
          return null;
        });
      }),
    [],
  );

  const signedIn = useCallback((m: Me, csrf: string | undefined) => {
    setCsrfToken(csrf ?? null);
    setEnded(null);
    setMe(m);
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api('DELETE', '/session');
    } catch {
      // already gone: still forget it here
    }
    setCsrfToken(null);
    setEnded('signed_out');
    setMe(null);
  }, []);

  const value = useMemo<SessionState>(
    () => ({ me, checking, ended, signedIn, signOut, can: (p) => !!me?.permissions?.includes(p) }),
    [me, checking, ended, signedIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}
