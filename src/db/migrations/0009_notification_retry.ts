import { sql, type Kysely } from 'kysely';

/**
 * The notification inbox answers WeChat once a verified notification is durable and applies its
 * effect afterwards, so a row waiting for its effect needs its own schedule: `next_attempt_at` (when
 * the sweep may hand it to a re-process job) and `deferrals` (how often its effect was deferred, for
 * the backoff). Rows already waiting keep the old rule: due one minute after they were last touched.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(DDL).execute(db);
}

const DDL = `
ALTER TABLE wechat_notifications ADD COLUMN next_attempt_at timestamptz;
ALTER TABLE wechat_notifications ADD COLUMN deferrals integer NOT NULL DEFAULT 0 CHECK (deferrals >= 0);
UPDATE wechat_notifications SET next_attempt_at = coalesce(processed_at, received_at) + interval '60 seconds'
  WHERE status IN ('received', 'verified');
`;
