import { useEffect, type ReactNode } from 'react';
import { useSession } from './api/session.tsx';
import { Layout } from './components/layout.tsx';
import { Loading } from './components/page-state.tsx';
import { matchPath, navigate, useLocation } from './lib/router.tsx';
import { AlertsPage } from './pages/alerts-page.tsx';
import { AuditPage } from './pages/audit-page.tsx';
import { DashboardPage } from './pages/dashboard-page.tsx';
import { KeysPage } from './pages/keys-page.tsx';
import { LoginPage } from './pages/login-page.tsx';
import { MerchantDetailPage } from './pages/merchant-detail-page.tsx';
import { MerchantsPage } from './pages/merchants-page.tsx';
import { OperatorsPage } from './pages/operators-page.tsx';
import { PaymentDetailPage } from './pages/payment-detail-page.tsx';
import { PaymentsPage } from './pages/payments-page.tsx';
import { ReviewsPage } from './pages/reviews-page.tsx';
import { RulesPage } from './pages/rules-page.tsx';

const ROUTES: { pattern: string; render(params: Record<string, string>): ReactNode }[] = [
  { pattern: '/', render: () => <DashboardPage /> },
  { pattern: '/payments', render: () => <PaymentsPage /> },
  { pattern: '/payments/:id', render: (p) => <PaymentDetailPage id={p.id!} /> },
  { pattern: '/reviews', render: () => <ReviewsPage /> },
  { pattern: '/alerts', render: () => <AlertsPage /> },
  { pattern: '/rules', render: () => <RulesPage /> },
  { pattern: '/merchants', render: () => <MerchantsPage /> },
  { pattern: '/merchants/:id', render: (p) => <MerchantDetailPage id={p.id!} /> },
  { pattern: '/keys', render: () => <KeysPage /> },
  { pattern: '/audit', render: () => <AuditPage /> },
  { pattern: '/operators', render: () => <OperatorsPage /> },
];

function Routed() {
  const { path } = useLocation();
  for (const r of ROUTES) {
    const params = matchPath(r.pattern, path);
    if (params) return <>{r.render(params)}</>;
  }
  return <DashboardPage />;
}

export function App() {
  const { me, checking } = useSession();
  const { path } = useLocation();
  // Focus the main region on navigation so screen-reader and keyboard users land on the new page.
  useEffect(() => {
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [path]);
  useEffect(() => {
    if (me && path === '/login') navigate('/', { replace: true });
  }, [me, path]);
  if (checking) return <Loading />;
  if (!me) return <LoginPage />;
  return (
    <Layout>
      <Routed />
    </Layout>
  );
}
