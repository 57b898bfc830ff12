import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { AppError, type ErrorKind } from '../lib/errors.ts';
import { localisedMessage, pickLang } from '../lib/error-messages.ts';

/** The one place where error kinds become HTTP statuses. */
export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  rate_limited: 429,
  upstream: 502,
  unavailable: 503,
  internal: 500,
};

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown>; request_id: string };
}

export function errorBody(code: string, message: string, requestId: string, details?: Record<string, unknown>): ErrorBody {
  return { error: { code, message, ...(details ? { details } : {}), request_id: requestId } };
}

/** Turns zod issues into `{ field: message }` pairs with JSON-pointer-like paths. */
export function zodDetails(err: ZodError): Record<string, unknown> {
  return {
    issues: err.issues.map((i) => ({ field: i.path.length ? `/${i.path.join('/')}` : '/', message: i.message, code: i.code })),
  };
}

/**
 * Maps anything thrown by a route to the error envelope. Known errors keep their code; bad input
 * never becomes a 500; unknown errors become a bare 500 and a log line, so internals never leak.
 */
export function handleError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const requestId = String(req.id);
  const lang = pickLang(req.headers['accept-language']);
  if (err instanceof AppError) {
    return reply.status(STATUS_BY_KIND[err.kind]).send(errorBody(err.code, localisedMessage(err.code, lang, err.message), requestId, err.details));
  }
  if (err instanceof ZodError) {
    return reply.status(400).send(errorBody('invalid_request', localisedMessage('invalid_request', lang, 'The request is invalid.'), requestId, zodDetails(err)));
  }
  const fe = err as FastifyError;
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code =
      fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? 'unsupported_media_type'
        : fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'body_too_large'
          : fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe instanceof SyntaxError
            ? 'invalid_json'
            : fe.statusCode === 404
              ? 'not_found'
              : fe.statusCode === 429
                ? 'rate_limited'
                : 'invalid_request';
    // Fastify's own 4xx messages describe the request, not our internals.
    return reply.status(fe.statusCode).send(errorBody(code, localisedMessage(code, lang, fe.message), requestId));
  }
  req.log.error({ err }, 'unhandled error');
  return reply.status(500).send(errorBody('internal_error', localisedMessage('internal_error', lang, 'Internal error.'), requestId));
}
