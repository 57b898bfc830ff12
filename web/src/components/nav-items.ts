import type { MessageKey } from '../i18n/en.ts';

/** Navigation entries and the permission each needs (the server checks again on every call). */
export const NAV_ITEMS: { to: string; label: MessageKey; permission: string }[] = [
  { to: '/', label: 'nav.dashboard', permission: 'dashboard.read' },
  { to: '/payments', label: 'nav.payments', permission: 'payments.read' },
  { to: '/reviews', label: 'nav.reviews', permission: 'reviews.read' },
  { to: '/alerts', label: 'nav.alerts', permission: 'alerts.read' },
  { to: '/rules', label: 'nav.rules', permission: 'rules.read' },
  { to: '/merchants', label: 'nav.merchants', permission: 'merchants.read' },
  { to: '/keys', label: 'nav.keys', permission: 'keys.manage' },
  { to: '/audit', label: 'nav.audit', permission: 'audit.read' },
  { to: '/operators', label: 'nav.operators', permission: 'operators.read' },
];
