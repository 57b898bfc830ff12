import type { Selectable } from 'kysely';
import type { Db } from './merchants.ts';
import type { OperatorRole, OperatorsTable } from './schema.ts';

/** The operators table: console and admin-API accounts. E-mails are stored lower-cased. */
export type OperatorRow = Selectable<OperatorsTable>;

export interface NewOperatorRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  role: OperatorRole;
  merchant_scope: string[] | null;
  must_change_password: boolean;
  created_at: Date;
}

/** Raises 23505 on a taken e-mail (the UNIQUE constraint decides, not a prior read). */
export async function insertOperator(db: Db, o: NewOperatorRow): Promise<OperatorRow> {
  return db
    .insertInto('operators')
    .values({ ...o, merchant_scope: o.merchant_scope, updated_at: o.created_at })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findOperatorById(db: Db, id: string): Promise<OperatorRow | undefined> {
  return db.selectFrom('operators').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findOperatorByEmail(db: Db, email: string): Promise<OperatorRow | undefined> {
  return db.selectFrom('operators').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
}

/** Locks the row for a read-modify-write (login counters, TOTP step) inside a transaction. */
export async function lockOperator(db: Db, id: string): Promise<OperatorRow | undefined> {
  return db.selectFrom('operators').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function listOperators(db: Db): Promise<OperatorRow[]> {
  return db.selectFrom('operators').selectAll().orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
}

export async function countOperators(db: Db): Promise<number> {
  const r = await db.selectFrom('operators').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function countActiveOwners(db: Db): Promise<number> {
  const r = await db
    .selectFrom('operators')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('role', '=', 'owner')
    .where('disabled_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export type OperatorPatch = Partial<
  Pick<
    OperatorRow,
    'name' | 'password_hash' | 'role' | 'totp_enabled' | 'totp_last_step' | 'failed_attempts' | 'locked_until' | 'merchant_scope' | 'must_change_password' | 'disabled_at'
  >
>;

export async function updateOperator(db: Db, id: string, patch: OperatorPatch, now: Date): Promise<OperatorRow | undefined> {
  return db
    .updateTable('operators')
    .set({ ...patch, updated_at: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}
