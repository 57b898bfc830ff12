import type { FastifyInstance } from 'fastify';

/**
 * HTML forms post `application/x-www-form-urlencoded`. Added only inside the payer pages' plugin scope
 * (Fastify encapsulation), so the merchant API keeps accepting JSON alone. Repeated fields keep the
 * last value; bodies are small (8 KiB).
 */
export function addFormBodyParser(scope: FastifyInstance): void {
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}
