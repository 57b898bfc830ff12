import type { Selectable } from 'kysely';
import type { Db } from './merchants.ts';
import type { OperatorSessionStage, OperatorSessionsTable } from './schema.ts';

/** Console sessions, keyed by the SHA-256 of the token (the token itself is never stored). */
export type OperatorSessionRow = Selectable<OperatorSessionsTable>;

export interface NewOperatorSession {
  token_sha256: string;
  operator_id: string;
  stage: OperatorSessionStage;
  created_at: Date;
  expires_at: Date;
  ip: string | null;
  user_agent: string | null;
}

export async function insertSession(db: Db, s: NewOperatorSession): Promise<void> {
  await db
    .insertInto('operator_sessions')
    .values({ ...s, last_seen_at: s.created_at })
    .execute();
}

export async function findSession(db: Db, tokenSha256: string): Promise<OperatorSessionRow | undefined> {
  return db.selectFrom('operator_sessions').selectAll().where('token_sha256', '=', tokenSha256).executeTakeFirst();
}

/** Records activity; never moves last_seen_at backwards (two requests may finish out of order). */
export async function touchSession(db: Db, tokenSha256: string, now: Date, expiresAt: Date): Promise<void> {
  await db
    .updateTable('operator_sessions')
    .set({ last_seen_at: now, expires_at: expiresAt })
    .where('token_sha256', '=', tokenSha256)
    .where('revoked_at', 'is', null)
    .where('last_seen_at', '<', now)
    .execute();
}

export async function setSessionStage(db: Db, tokenSha256: string, stage: OperatorSessionStage): Promise<void> {
  await db.updateTable('operator_sessions').set({ stage }).where('token_sha256', '=', tokenSha256).execute();
}

export async function revokeSession(db: Db, tokenSha256: string, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('operator_sessions')
    .set({ revoked_at: now })
    .where('token_sha256', '=', tokenSha256)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Signs an operator out everywhere (role change, disable, 2FA reset, "revoke all"); returns how many. */
export async function revokeOperatorSessions(db: Db, operatorId: string, now: Date, exceptTokenSha256?: string): Promise<number> {
  let q = db.updateTable('operator_sessions').set({ revoked_at: now }).where('operator_id', '=', operatorId).where('revoked_at', 'is', null);
  if (exceptTokenSha256) q = q.where('token_sha256', '<>', exceptTokenSha256);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}
