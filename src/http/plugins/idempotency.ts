import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../../lib/errors.ts';
import { localisedMessage, pickLang } from '../../lib/error-messages.ts';
import type { ServiceContext } from '../../services/context.ts';
import {
  assertIdempotencyKey,
  beginIdempotent,
  completeIdempotent,
  IdempotencyKeyTaken,
  IdempotencySession,
  releaseIdempotent,
  requestFingerprint,
  type BeginResult,
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
  const ref: IdempotencyRef = { merchantId, endpoint, key: idempotencyKeyOf(req) };
  const fingerprint = requestFingerprint(req.body ?? null);
  const deps = { db: ctx.db, clock: ctx.clock };
  const begun = await beginIdempotent(deps, ref, fingerprint);
  if (begun.kind !== 'new') return answerExisting(reply, begun);
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

function idempotencyKeyOf(req: FastifyRequest): string {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined || raw === '') throw new AppError('invalid_input', 'idempotency_key_required', 'This endpoint requires an Idempotency-Key header.');
  if (typeof raw !== 'string') throw new AppError('invalid_input', 'invalid_idempotency_key', 'Send exactly one Idempotency-Key header.');
  assertIdempotencyKey(raw);
  return raw;
}

/** A key that exists: the stored response (replay), 422 for another body, 409 while it runs. */
function answerExisting(reply: FastifyReply, begun: Exclude<BeginResult, { kind: 'new' }>): FastifyReply {
  switch (begun.kind) {
    case 'replay':
      return reply.status(begun.status).header('Idempotent-Replayed', 'true').send(begun.body);
    case 'mismatch':
      throw new AppError('unprocessable', 'idempotency_key_mismatch', 'This Idempotency-Key was already used with different parameters.');
    case 'in_flight':
      reply.header('Retry-After', '1');
      throw new AppError('conflict', 'idempotency_key_in_use', 'A request with this Idempotency-Key is still in progress.');
  }
}

/**
 * The same semantics as `runIdempotent`, for a handler that claims the key inside its own first
 * transaction (`session.inClaimTransaction`) and may store the response inside its last one
 * (`session.markCompleted`): the common request costs no separate begin and complete statements.
 * When the claim finds the key taken, the classic begin decides (replay, 422, 409, or a takeover that
 * runs the handler once more, holding the key, with `session.resumeId`). A refusal before the claim
 * (invalid input) is stored as the key's response in one statement, as `runIdempotent` stores it.
 */
export async function runIdempotentSession(
  ctx: Pick<ServiceContext, 'db' | 'clock'>,
  req: FastifyRequest,
  reply: FastifyReply,
  merchantId: string,
  endpoint: string,
  handler: (session: IdempotencySession) => Promise<{ status: number; body: unknown }>,
): Promise<FastifyReply> {
  const ref: IdempotencyRef = { merchantId, endpoint, key: idempotencyKeyOf(req) };
  const session = new IdempotencySession({ db: ctx.db, clock: ctx.clock }, ref, requestFingerprint(req.body ?? null));
  for (let attempt = 0; ; attempt++) {
    let result: { status: number; body: unknown };
    try {
      result = await handler(session);
    } catch (e) {
      if (e instanceof IdempotencyKeyTaken && attempt === 0) {
        const begun = await session.begin();
        if (begun.kind !== 'new') return answerExisting(reply, begun);
        continue; // held now (a key that expired, was released, or a stale lock taken over): run again
      }
      const status = isAppError(e) ? STATUS_BY_KIND[e.kind] : 500;
      if (!isAppError(e) || status >= 500 || status === 429) {
        await session.release().catch(() => undefined);
        throw e;
      }
      const body = errorBody(e.code, localisedMessage(e.code, pickLang(req.headers['accept-language']), e.message), String(req.id), e.details);
      if (session.held) {
        await session.complete(status, body);
        return reply.status(status).send(body);
      }
      if (await session.storeRefusal(status, body)) return reply.status(status).send(body);
      const begun = await session.begin();
      if (begun.kind !== 'new') return answerExisting(reply, begun);
      await session.complete(status, body);
      return reply.status(status).send(body);
    }
    if (!session.held) throw new Error(`${endpoint}: the handler answered without claiming its Idempotency-Key`);
    await session.complete(result.status, result.body);
    return reply.status(result.status).send(result.body);
  }
}
