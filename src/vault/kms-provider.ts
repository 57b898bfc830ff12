/**
 * A key-encryption key (KEK) lives behind this interface: a local file, a development key, or a
 * remote KMS (HashiCorp Vault transit). Data keys are wrapped by it; the KEK itself never leaves it.
 */
export interface WrappedKey {
  /** Which KEK wrapped the data key; the vault picks the provider by it. */
  kekId: string;
  /** Opaque to callers: Base64 for local providers, `vault:vN:…` for Vault transit. */
  wrapped: string;
}

export interface KmsProvider {
  /** Identifier of the KEK that `wrap` uses now. */
  readonly kekId: string;
  /** True only for the sandbox's generated key: live mode refuses it. */
  readonly development: boolean;
  /**
   * True when one `kekId` spans several key versions inside the KMS (Vault transit): a master
   * rotation must then `rewrap` records that already carry this `kekId`.
   */
  readonly versioned: boolean;
  /** The KMS-internal key version a wrapped key was made with (`v1` for single-version KEKs). */
  keyVersion(wrapped: WrappedKey): string;
  wrap(dataKey: Buffer): Promise<WrappedKey>;
  unwrap(wrapped: WrappedKey): Promise<Buffer>;
  /**
   * Re-encrypts a wrapped key under this provider's newest key version without exposing the data
   * key to the caller where the KMS supports it (Vault transit). `wrapped.kekId` must be this provider's.
   */
  rewrap(wrapped: WrappedKey): Promise<WrappedKey>;
}

/** True when the provider holds the sandbox's generated key (live mode must refuse it). */
export function isDevelopmentKek(provider: KmsProvider): boolean {
  return provider.development;
}
