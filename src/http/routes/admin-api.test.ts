import { describe, expect, it } from 'vitest';
import type { RouteOptions } from 'fastify';
import { createLogger } from '../../lib/logger.ts';
import type { ServiceContext } from '../../services/context.ts';
import { isRoutePermission } from '../../services/operators/permissions.ts';
import { buildHttpServer } from '../server.ts';
import { addOperatorAuth } from '../plugins/operator-auth.ts';
import { csrfKeys } from '../plugins/csrf.ts';
import { registerAdminApi } from './admin-api.ts';

// Registration only: no request reaches the database, so a context with just the mode suffices.
const ctx = { mode: 'sandbox', clock: { now: () => 0 } } as unknown as ServiceContext;

describe('admin API route permissions', () => {
  it('every /admin/api route declares a permission', async () => {
    const server = buildHttpServer({ logger: createLogger({ level: 'silent' }), live: false });
    const routes: RouteOptions[] = [];
    server.addHook('onRoute', (r) => {
      routes.push(r);
    });
    registerAdminApi(server, ctx);
    await server.ready();
    const admin = routes.filter((r) => r.url.startsWith('/admin/api'));
    expect(admin.length).toBeGreaterThan(25);
    for (const r of admin) expect([r.method, r.url, isRoutePermission((r.config as { permission?: unknown } | undefined)?.permission)]).toEqual([r.method, r.url, true]);
    expect(admin.filter((r) => (r.config as { permission?: string }).permission === 'public').map((r) => `${String(r.method)} ${r.url}`)).toEqual(['POST /admin/api/session']);
    await server.close();
  });

  it('refuses to start with an admin route that declares none', async () => {
    const server = buildHttpServer({ logger: createLogger({ level: 'silent' }), live: false });
    void server.register(async (scope) => {
      addOperatorAuth(scope, ctx, csrfKeys(ctx));
      scope.get('/admin/api/forgotten', async () => ({}));
    });
    await expect(server.ready()).rejects.toThrow(/declares no permission/);
  });
});
