import { useState, type ReactNode } from 'react';
import { useSession } from '../api/session.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';
import { Link, useLocation } from '../lib/router.tsx';
import { LangSwitch } from './lang-switch.tsx';
import { NAV_ITEMS } from './nav-items.ts';

function isActive(to: string, path: string): boolean {
  return to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`);
}

/** Header, side navigation (a collapsible menu on narrow screens) and the main region. */
export function Layout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const { me, can, signOut } = useSession();
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  return (
    <div className="shell">
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className="topbar">
        <button type="button" className="menu-toggle" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen((o) => !o)}>
          {t('nav.menu')}
        </button>
        <span className="brand">{t('app.name')}</span>
        <span className="who" data-testid="who">
          {me?.email} · {me ? t(`role.${me.role}`) : ''}
        </span>
        <LangSwitch />
        <button type="button" onClick={() => void signOut()}>
          {t('nav.signOut')}
        </button>
      </header>
      <nav id="nav" className={menuOpen ? 'sidenav open' : 'sidenav'} aria-label={t('nav.label')}>
        <ul>
          {NAV_ITEMS.filter((i) => can(i.permission)).map((i) => (
            <li key={i.to}>
              <Link to={i.to} aria-current={isActive(i.to, path) ? 'page' : undefined} onClick={() => setMenuOpen(false)}>
                {t(i.label)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
