import { sql, type Kysely } from 'kysely';

/**
 * Remote signing (issue 4 §2): a merchant signs WeChat requests either with its sealed private key
 * (`local`) or through a remote signing service holding the key in an HSM/KMS (`remote`). The
 * service's bearer token is never a column: it is sealed in `vault_secrets` under
 * `merchant:<id>:remote_signer_token`. PostgreSQL 15 compatible.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(DDL).execute(db);
}

const DDL = `
ALTER TABLE merchant_credentials
  ADD COLUMN signer_mode text NOT NULL DEFAULT 'local' CHECK (signer_mode IN ('local', 'remote')),
  ADD COLUMN remote_signer_url text CHECK (remote_signer_url IS NULL OR length(remote_signer_url) <= 2048),
  ADD CONSTRAINT merchant_credentials_remote_signer_url CHECK ((signer_mode = 'remote') = (remote_signer_url IS NOT NULL));
`;
