import { processDevelopmentKek } from '../../src/services/custody/kms-from-config.ts';
import { Vault } from '../../src/vault/vault.ts';

/**
 * The vault tests seal merchant secrets with: the process's development KEK, the same one an app
 * built on an in-memory or test database uses when no KEK is configured, so both open each other's secrets.
 */
export function testVault(): Vault {
  return new Vault({ provider: processDevelopmentKek() });
}
