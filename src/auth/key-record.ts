import type { KeyPolicy } from "./key-policy.js";

/** A virtual API key as stored: never the key itself, only its SHA-256 and a visible prefix. */
export interface KeyRecord extends KeyPolicy {
  readonly id: string;
  readonly name: string;
  readonly team?: string | undefined;
  /** The first characters of the key, shown in listings so people can tell keys apart. */
  readonly prefix: string;
  /** Hex SHA-256 of the key. */
  readonly hash: string;
  readonly created_at: string;
  readonly expires_at?: string | undefined;
  readonly revoked_at?: string | undefined;
}

/** A record without its hash, as the admin API shows it. */
export function publicKeyRecord(record: KeyRecord): Omit<KeyRecord, "hash"> {
  const { hash: _hash, ...rest } = record;
  return rest;
}
