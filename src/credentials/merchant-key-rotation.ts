import { AppError } from '../lib/errors.ts';

/**
 * Guided merchant-key rotation without a restart: the new certificate and key are staged beside the
 * active ones (checked, but not used), then switched to (requests are signed with the new serial at
 * once), and the old pair is retired only after the switch, so a failed switch can go back.
 * Pure: the caller stores the state and seals the keys in the vault under the serial.
 */
export interface MerchantKeyRef {
  serial: string;
  notAfter: Date;
}

export interface MerchantKeyState {
  active: MerchantKeyRef;
  staged: MerchantKeyRef | null;
  /** Switched away from but not yet retired: still valid at WeChat, kept for a switch back. */
  previous: MerchantKeyRef | null;
}

export function initialKeyState(active: MerchantKeyRef): MerchantKeyState {
  return { active, staged: null, previous: null };
}

export function stageMerchantKey(state: MerchantKeyState, next: MerchantKeyRef, nowMs: number): MerchantKeyState {
  if (next.serial === state.active.serial || next.serial === state.previous?.serial) {
    throw new AppError('conflict', 'credential_key_already_known', 'this certificate is already in use for the merchant', { serial: next.serial });
  }
  if (next.notAfter.getTime() <= nowMs) throw new AppError('invalid_input', 'credential_certificate_expired', 'the staged certificate has expired', { serial: next.serial });
  return { ...state, staged: next };
}

export function switchMerchantKey(state: MerchantKeyState): MerchantKeyState {
  if (!state.staged) throw new AppError('conflict', 'credential_nothing_staged', 'stage a new certificate and key before switching');
  return { active: state.staged, staged: null, previous: state.active };
}

/** Goes back to the previous pair (e.g. WeChat rejects the new serial) as long as it is not retired. */
export function switchBack(state: MerchantKeyState): MerchantKeyState {
  if (!state.previous) throw new AppError('conflict', 'credential_no_previous_key', 'there is no previous key to switch back to');
  return { active: state.previous, staged: null, previous: state.active };
}

/** Retires the previous pair: its sealed key can then be deleted. Returns the serial to delete. */
export function retirePreviousKey(state: MerchantKeyState): { state: MerchantKeyState; retiredSerial: string } {
  if (!state.previous) throw new AppError('conflict', 'credential_no_previous_key', 'there is no previous key to retire');
  return { state: { ...state, previous: null }, retiredSerial: state.previous.serial };
}

/** Drops a staged pair that will not be used. */
export function discardStaged(state: MerchantKeyState): MerchantKeyState {
  return { ...state, staged: null };
}
