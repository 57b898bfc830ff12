import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../lib/logger.ts';
import { newId } from '../lib/ids.ts';
import { AppError } from '../lib/errors.ts';
import { errorBody, handleError } from './error-mapper.ts';
import { registerSecurityHeaders } from './plugins/security-headers.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact request bytes, kept for signature checks (never re-serialise a signed body). */
    rawBody?: Buffer;
  }
}

export interface HttpServerOptions {
  logger: Logger;
  live: boolean;
  trustProxy?: boolean;
  bodyLimit?: number;
}

/**
 * The Fastify instance every route plugs into: request ids, the error envelope, security headers,
 * and a JSON parser that keeps the raw bytes.
 */
export function buildHttpServer(opts: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger,
    trustProxy: opts.trustProxy ?? false,
    bodyLimit: opts.bodyLimit ?? 256 * 1024,
    genReqId: () => newId('req'),
    requestIdHeader: false,
    return503OnClosing: true,
  }) as unknown as FastifyInstance;

  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const buf = body as Buffer;
    req.rawBody = buf;
    if (buf.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(buf.toString('utf8')));
    } catch {
      done(new AppError('invalid_input', 'invalid_json', 'The request body is not valid JSON.'), undefined);
    }
  });

  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('Request-Id', String(req.id));
    return payload;
  });
  registerSecurityHeaders(app, { hsts: opts.live });
  app.setErrorHandler((err, req, reply) => handleError(err, req, reply));
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(errorBody('not_found', 'No such route.', String(req.id)));
  });
  return app;
}
