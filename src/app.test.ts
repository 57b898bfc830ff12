import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from './app.ts';
import { loadConfig } from './config/config.ts';
import { createLogger } from './lib/logger.ts';
import { openDatabase } from './db/connect.ts';

describe('app composition', () => {
  let app: App;
  beforeAll(async () => {
    const database = await openDatabase({ inMemory: true });
    app = await createApp(loadConfig({}, { port: 0 }), { logger: createLogger({ level: 'silent' }), database, jobs: { supervise: false, schedule: false } });
  });
  afterAll(async () => {
    await app.close();
    await app.database.close();
  });

  it('is alive and ready once migrated', async () => {
    expect((await app.server.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await app.server.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
  });

  it('reports not ready while draining', async () => {
    const closing = app.close();
    const res = await app.server.inject({ method: 'GET', url: '/readyz' });
    expect([503]).toContain(res.statusCode);
    await closing;
  });
});
