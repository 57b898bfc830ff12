import { AppError } from '../lib/errors.ts';
import type { KmsProvider } from './kms-provider.ts';

/**
 * Start-up gate: live mode refuses to run without a KEK or with the sandbox's development KEK,
 * because either would leave merchant secrets recoverable by anyone with the database.
 */
export function assertKekAllowed(mode: 'sandbox' | 'live', provider: KmsProvider | undefined): KmsProvider {
  if (!provider) {
    throw new AppError('unavailable', 'master_key_required', 'live mode needs a key-encryption key: set ANFU_MASTER_KEY_FILE or configure Vault transit');
  }
  if (mode === 'live' && provider.development) {
    throw new AppError('unavailable', 'master_key_development_in_live', 'live mode refuses the development key-encryption key');
  }
  return provider;
}
