import { sql, type Kysely } from 'kysely';
import { GENESIS_HASH } from '../../audit/chain.ts';

/**
 * Key custody and the audit log.
 *
 * 1. `vault_secrets`: every secret (merchant private keys, APIv3 keys, webhook secrets, TOTP seeds,
 *    the blind-index key, payer openids) as an envelope sealed by the vault. The plaintext credential
 *    columns of 0001 are dropped. A migration cannot reach the KEK, so it cannot seal existing rows:
 *    it refuses, with a message saying what to do, when `merchant_credentials` already holds rows.
 *    Nothing had been released with 0001, so only development databases can hit that.
 * 2. Credential lifecycle columns (certificate expiry, staged merchant key, APIv3 grace window).
 * 3. `payments.payer_openid` becomes a blind index plus a mask; the sealed value is in `vault_secrets`.
 * 4. `audit_log`: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE except inside
 *    `audit_purge`), hash-chained, appends serialised by locking the single `audit_head` row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const existing = await sql<{ n: string }>`SELECT count(*)::text AS n FROM merchant_credentials`.execute(db);
  const plain = await sql<{ n: string }>`SELECT count(*)::text AS n FROM payments WHERE payer_openid IS NOT NULL`.execute(db);
  if (existing.rows[0]!.n !== '0' || plain.rows[0]!.n !== '0') {
    throw new Error(
      `migration 0002_custody_and_audit: this database holds ${existing.rows[0]!.n} merchant credential row(s) and ` +
        `${plain.rows[0]!.n} payer openid(s) in plaintext from a pre-release build. A migration cannot reach the ` +
        'master key to seal them. Start from an empty database (for the sandbox: delete its data directory) and ' +
        're-import the merchants with `anfu merchants create`.',
    );
  }
  await sql.raw(CUSTODY_DDL.replaceAll('$GENESIS', GENESIS_HASH)).execute(db);
}

const CUSTODY_DDL = `
CREATE TABLE vault_secrets (
  id          text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.:/-]{1,200}$'),
  version     integer NOT NULL CHECK (version >= 1),
  -- Duplicated from the envelope so a master rotation can count what is left under the old KEK.
  kek_id      text NOT NULL,
  envelope    jsonb NOT NULL CHECK (jsonb_typeof(envelope) = 'object'),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((envelope->>'version')::integer = version),
  CHECK (envelope->>'kekId' = kek_id)
);
CREATE INDEX vault_secrets_kek_idx ON vault_secrets (kek_id);

ALTER TABLE merchant_credentials
  DROP COLUMN merchant_private_key_pem,
  DROP COLUMN apiv3_key,
  DROP COLUMN webhook_secret_current,
  DROP COLUMN webhook_secret_previous,
  ADD COLUMN merchant_cert_pem text,
  ADD COLUMN merchant_cert_expires_at timestamptz,
  -- A staged key/cert waits beside the active one until the operator switches (vault id …:private_key_staged).
  ADD COLUMN staged_merchant_serial text CHECK (staged_merchant_serial ~ '^[0-9A-Fa-f]{1,64}$'),
  ADD COLUMN staged_merchant_cert_pem text,
  ADD COLUMN staged_merchant_cert_expires_at timestamptz,
  -- The previous merchant key stays sealed until retired, so a switch can be undone.
  ADD COLUMN retired_merchant_serial text,
  -- While set and in the future, the previous APIv3 key (…:apiv3_key_previous) still decrypts notifications.
  ADD COLUMN apiv3_key_previous_expires_at timestamptz,
  -- Public-key migration: both verifiers accept signatures until cut-over.
  ADD COLUMN dual_verification_since timestamptz,
  ADD COLUMN certificates_refreshed_at timestamptz,
  -- The last expiry warning sent per credential ('merchant_cert:30' …), so each threshold fires once.
  ADD COLUMN expiry_warnings jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(expiry_warnings) = 'object');

ALTER TABLE payments
  DROP COLUMN payer_openid,
  ADD COLUMN payer_openid_index text,
  ADD COLUMN payer_openid_masked text;
CREATE INDEX payments_payer_openid_idx ON payments (merchant_id, payer_openid_index) WHERE payer_openid_index IS NOT NULL;

CREATE TABLE audit_log (
  id           bigint PRIMARY KEY,
  created_at   timestamptz NOT NULL,
  actor_type   text NOT NULL CHECK (actor_type IN ('operator', 'merchant_api_key', 'system', 'cli')),
  actor_id     text NOT NULL CHECK (length(actor_id) BETWEEN 1 AND 200),
  action       text NOT NULL CHECK (action ~ '^[a-z0-9_]+(\\.[a-z0-9_]+)*$'),
  target_type  text,
  target_id    text,
  -- No foreign key: the record must outlive whatever it describes.
  merchant_id  text,
  outcome      text NOT NULL CHECK (outcome IN ('success', 'failure')),
  ip           text,
  data         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
  prev_hash    text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash         text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$')
);
CREATE SEQUENCE audit_log_id_seq OWNED BY audit_log.id;
CREATE INDEX audit_log_merchant_idx ON audit_log (merchant_id, id) WHERE merchant_id IS NOT NULL;
CREATE INDEX audit_log_created_idx ON audit_log (created_at);

-- One row: the chain head. Every append locks it FOR UPDATE, so entries get one order on any number of nodes.
CREATE TABLE audit_head (
  singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  head_hash     text NOT NULL CHECK (head_hash ~ '^[0-9a-f]{64}$'),
  head_id       bigint,
  -- Hash the oldest retained entry chains from: genesis until a purge, then the last purged entry's hash.
  anchor_hash   text NOT NULL CHECK (anchor_hash ~ '^[0-9a-f]{64}$'),
  anchor_id     bigint,
  purged_count  bigint NOT NULL DEFAULT 0
);
INSERT INTO audit_head (singleton, head_hash, anchor_hash) VALUES (true, '$GENESIS', '$GENESIS');

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('anfu.audit_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$fn$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- Retention: removes the oldest entries created before the cut-off (always a prefix of the chain)
-- and records the last removed hash as the anchor the remaining chain is verified from.
CREATE FUNCTION audit_purge(cutoff timestamptz) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  last_id bigint;
  last_hash text;
  n bigint;
BEGIN
  PERFORM 1 FROM audit_head WHERE singleton FOR UPDATE;
  SELECT id, hash INTO last_id, last_hash FROM audit_log WHERE created_at < cutoff ORDER BY id DESC LIMIT 1;
  IF last_id IS NULL THEN
    RETURN 0;
  END IF;
  PERFORM set_config('anfu.audit_purge', 'on', true);
  DELETE FROM audit_log WHERE id <= last_id;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM set_config('anfu.audit_purge', 'off', true);
  UPDATE audit_head SET anchor_hash = last_hash, anchor_id = last_id, purged_count = purged_count + n WHERE singleton;
  RETURN n;
END
$fn$;
`;
