import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildHttpServer } from './server.ts';
import { createLogger } from '../lib/logger.ts';
import { AppError } from '../lib/errors.ts';

function app() {
  const a = buildHttpServer({ logger: createLogger({ level: 'silent' }), live: false });
  a.post('/echo', async (req) => ({ raw: req.rawBody?.toString('utf8'), body: req.body }));
  a.get('/conflict', async () => {
    throw new AppError('conflict', 'order_expired', 'The order expired.');
  });
  a.get('/zod', async () => z.object({ a: z.number() }).parse({ a: 'x' }));
  a.get('/boom', async () => {
    throw new Error('secret internals: sk_live_abc');
  });
  return a;
}

describe('http server base', () => {
  it('keeps the raw body bytes beside the parsed JSON', async () => {
    const res = await app().inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a": 1}' });
    expect(res.json()).toEqual({ raw: '{"a": 1}', body: { a: 1 } });
  });

  it('answers invalid JSON with 400 invalid_json, not a 500', async () => {
    const res = await app().inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_json');
    expect(res.json().error.request_id).toMatch(/^req_/);
  });

  it('maps AppError kinds to statuses with stable codes', async () => {
    const res = await app().inject({ method: 'GET', url: '/conflict' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('order_expired');
  });

  it('maps zod failures to 400 with field details', async () => {
    const res = await app().inject({ method: 'GET', url: '/zod' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.issues[0].field).toBe('/a');
  });

  it('hides unknown errors behind a bare 500', async () => {
    const res = await app().inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('sk_live_abc');
    expect(res.json().error.code).toBe('internal_error');
  });

  it('sets security headers and a 404 envelope on unknown routes', async () => {
    const res = await app().inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('adds HSTS in live mode, beside the same CSP', async () => {
    const live = buildHttpServer({ logger: createLogger({ level: 'silent' }), live: true });
    live.get('/page', async (_req, reply) => reply.type('text/html').send('<p>ok</p>'));
    for (const url of ['/page', '/nope']) {
      const res = await live.inject({ method: 'GET', url });
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    }
  });
});

describe('localised error messages', () => {
  it('speaks Simplified Chinese when Accept-Language prefers it, keeping the stable code', async () => {
    const res = await app().inject({ method: 'GET', url: '/conflict', headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' } });
    expect(res.json().error.code).toBe('order_expired');
    expect(res.json().error.message).toBe('订单已过期，请重新下单。');
    const en = await app().inject({ method: 'GET', url: '/conflict', headers: { 'accept-language': 'en-US' } });
    expect(en.json().error.message).toBe('The order has expired; create a new payment.');
  });
});
