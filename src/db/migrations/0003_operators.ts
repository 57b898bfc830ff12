import { sql, type Kysely } from 'kysely';

/**
 * Operators of the console and admin API, their sessions, and the indexes the console's read models
 * need (dashboard aggregates over a period, cross-merchant payment search).
 *
 * PostgreSQL 15 compatible. The TOTP seed is never a column here: it is sealed by the custody service
 * under `operator-totp:<operator id>`; the row only says whether enrolment was confirmed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(OPERATORS_DDL).execute(db);
}

const OPERATORS_DDL = `
CREATE TABLE operators (
  id                    text PRIMARY KEY CHECK (id ~ '^op_[A-Za-z0-9]+$'),
  -- Stored lower-cased, so the UNIQUE constraint is case-insensitive by construction.
  email                 text NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
  name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
  password_hash         text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
  role                  text NOT NULL CHECK (role IN ('owner', 'admin', 'risk_reviewer', 'finance', 'developer', 'viewer')),
  totp_enabled          boolean NOT NULL DEFAULT false,
  -- The last accepted TOTP time step: a code is accepted once (replay within its 30 s window refused).
  totp_last_step        bigint,
  failed_attempts       integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  locked_until          timestamptz,
  -- NULL: every merchant; otherwise only these (an empty list sees none).
  merchant_scope        text[],
  must_change_password  boolean NOT NULL DEFAULT false,
  disabled_at           timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE operator_sessions (
  -- SHA-256 of the opaque 128-bit token: a copy of this table cannot be replayed as cookies.
  token_sha256   text PRIMARY KEY CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  operator_id    text NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  -- 'setup': password right, but a new password and/or TOTP enrolment must come first.
  stage          text NOT NULL DEFAULT 'full' CHECK (stage IN ('full', 'setup')),
  created_at     timestamptz NOT NULL,
  last_seen_at   timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL,
  revoked_at     timestamptz,
  ip             text CHECK (length(ip) <= 64),
  user_agent     text CHECK (length(user_agent) <= 512),
  CHECK (last_seen_at >= created_at)
);
CREATE INDEX operator_sessions_live_idx ON operator_sessions (operator_id) WHERE revoked_at IS NULL;
CREATE INDEX operator_sessions_expires_idx ON operator_sessions (expires_at);

-- Dashboard aggregates read (created_at range) → status, amount, paid_at, h5_url presence without
-- touching the heap when the visibility map allows (index-only scans at 100k+ payments).
CREATE INDEX payments_created_dashboard_idx ON payments (created_at) INCLUDE (merchant_id, status, amount, paid_at);
-- Cross-merchant console search: newest first, keyset on (created_at, id); status filter.
CREATE INDEX payments_created_id_idx ON payments (created_at DESC, id DESC);
CREATE INDEX payments_status_created_idx ON payments (status, created_at DESC, id DESC);
CREATE INDEX payments_transaction_id_idx ON payments (transaction_id) WHERE transaction_id IS NOT NULL;
`;
