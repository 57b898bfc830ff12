import type { Command } from 'commander';
import { loadConfig } from '../../config/config.ts';
import { openMigratedDatabase } from '../../db/open-from-config.ts';
import { countVaultSecretsByKek } from '../../db/vault-secrets.ts';
import { AppError, isAppError } from '../../lib/errors.ts';
import { systemClock } from '../../lib/clock.ts';
import { generateMasterKeyFileContent } from '../../vault/local-kek.ts';
import { assertKekAllowed } from '../../vault/kek-policy.ts';
import { writeFileSync } from 'node:fs';
import { cliActorId } from './cli-actor.ts';
import { loadKekFile, openVaultFromConfig } from './kms-from-config.ts';
import { rotateMasterKey } from './rotate-master-key.ts';

/**
 * `anfu keys …`: master-key custody. `generate-master` writes a new KEK file (chmod 600);
 * `rotate-master --new-key-file` re-wraps every data key under it while the service runs;
 * `status` counts sealed secrets per KEK. Output is JSON on stdout; errors `code: message` on stderr.
 */
export function addKeysCommand(program: Command): void {
  const keys = program.command('keys').description('key-encryption key (master key) custody');

  keys
    .command('generate-master')
    .description('write a new master key file (32 random bytes, Base64, mode 600); refuses to overwrite')
    .requiredOption('--out <path>', 'where to write the key file')
    .action((o: { out: string }) =>
      run(async () => {
        writeFileSync(o.out, generateMasterKeyFileContent(), { mode: 0o600, flag: 'wx' });
        return { written: o.out };
      }),
    );

  keys
    .command('status')
    .description('how many sealed secrets each key-encryption key wraps')
    .action(() =>
      run(async () => {
        const config = loadConfig();
        const { handle } = await openMigratedDatabase(config);
        try {
          const vault = openVaultFromConfig(config);
          return { current_kek: vault.currentProvider.kekId, secrets_by_kek: await countVaultSecretsByKek(handle.db) };
        } finally {
          await handle.close();
        }
      }),
    );

  keys
    .command('rotate-master')
    .description('re-wrap every data key under a new master key while the service runs (see docs/security.md)')
    .option('--new-key-file <path>', 'the new master key file (local KEK); with ANFU_KMS=vault-transit omit it to re-wrap under the newest version of the transit key')
    .option('--page-size <n>', 'records per page', '100')
    .action((o: { newKeyFile?: string; pageSize: string }) =>
      run(async () => {
        const config = loadConfig();
        if (!o.newKeyFile && config.kms !== 'vault-transit') {
          throw new AppError('invalid_input', 'new_key_file_required', 'a local master key rotation needs --new-key-file (only ANFU_KMS=vault-transit rotates in place)');
        }
        const vault = openVaultFromConfig(config);
        // Vault transit: `vault write -f transit/keys/<name>/rotate` made a new key version; the same
        // provider re-wraps every record (Vault's rewrap) onto it.
        const next = o.newKeyFile ? loadKekFile(o.newKeyFile, { requirePrivate: config.mode === 'live' }) : vault.currentProvider;
        assertKekAllowed(config.mode, next);
        const { handle } = await openMigratedDatabase(config);
        try {
          return await rotateMasterKey({ db: handle.db, clock: systemClock, vault }, next, { type: 'cli', id: cliActorId() }, { pageSize: Number(o.pageSize) || 100 });
        } finally {
          await handle.close();
        }
      }),
    );
}

async function run(fn: () => Promise<unknown>): Promise<void> {
  try {
    process.stdout.write(`${JSON.stringify(await fn(), null, 2)}\n`);
  } catch (e) {
    if (!isAppError(e)) throw e;
    process.stderr.write(`error: ${e.code}: ${e.message}\n`);
    process.exitCode = 1;
  }
}
