import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../../lib/errors.ts';
import { localisedMessage, pickLang } from '../../lib/error-messages.ts';
import type { ServiceContext } from '../../services/context.ts';
import {
  assertIdempotencyKey,
  beginIdempotent,
  completeIdempotent,
  releaseIdempotent,
  requestFingerprint,
  type IdempotencyRef,
} from '../../services/idempotency/idempotency.ts';
import { errorBody, STATUS_BY_KIND } from '../error-mapper.ts';

export interface IdempotentRun {
  ref: IdempotencyRef;
  fingerprint: string;
  /** The resource a crashed first attempt reserved (lock taken over), to resume instead of re-create. */
  resumeId: string | null;
}

/**
 * `Idempotency-Key` semantics (Stripe / IETF draft), per merchant and endpoint: the first request runs
 * and its response is stored — errors included, since re-running a refused request gives the same
 * refusal — except answers whose outcome is unknown (5xx, 429), which release the key so an identical
 * retry runs again and resumes the reserved resource. Same key and body → the stored response with
 * `Idempotent-Replayed: true`; other body → 422; still running → 409.
 */
export async function runIdempotent(
  ctx: Pick<ServiceContext, 'db' | 'clock'>,
  req: FastifyRequest,
  reply: FastifyReply,
  merchantId: string,
  endpoint: string,
  handler: (run: IdempotentRun) => Promise<{ status: number; body: unknown }>,
): Promise<FastifyReply> {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined || raw === '') throw new AppError('invalid_input', 'idempotency_key_required', 'This endpoint requires an Idempotency-Key header.');
  if (typeof raw !== 'string') throw new AppError('invalid_input', 'invalid_idempotency_key', 'Send exactly one Idempotency-Key header.');
  assertIdempotencyKey(raw);
  const ref: IdempotencyRef = { merchantId, endpoint, key: raw };
  const fingerprint = requestFingerprint(req.body ?? null);
  const deps = { db: ctx.db, clock: ctx.clock };
  const begun = await beginIdempotent(deps, ref, fingerprint);
  switch (begun.kind) {
    case 'replay':
      return reply.status(begun.status).header('Idempotent-Replayed', 'true').send(begun.body);
    case 'mismatch':
      throw new AppError('unprocessable', 'idempotency_key_mismatch', 'This Idempotency-Key was already used with different parameters.');
    case 'in_flight':
      reply.header('Retry-After', '1');
      throw new AppError('conflict', 'idempotency_key_in_use', 'A request with this Idempotency-Key is still in progress.');
    case 'new':
      break;
  }
  let result: { status: number; body: unknown };
  try {
    result = await handler({ ref, fingerprint, resumeId: begun.resourceId });
  } catch (e) {
    const status = isAppError(e) ? STATUS_BY_KIND[e.kind] : 500;
    if (!isAppError(e) || status >= 500 || status === 429) {
      await releaseIdempotent(deps, ref).catch(() => undefined);
      throw e;
    }
    const body = errorBody(e.code, localisedMessage(e.code, pickLang(req.headers['accept-language']), e.message), String(req.id), e.details);
    await completeIdempotent(deps, ref, status, body);
    return reply.status(status).send(body);
  }
  await completeIdempotent(deps, ref, result.status, result.body);
  return reply.status(result.status).send(result.body);
}
