import { userInfo } from 'node:os';

/** Who runs a command-line change, for the audit log: the OS user (commands have no operator login). */
export function cliActorId(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}
