import type { KeyRecord } from "./key-record.js";

/** Where virtual keys live. Implementations: memory (one process) and Redis (shared by replicas). */
export interface KeyStore {
  create(record: KeyRecord): Promise<void>;
  /** The record whose hash this is, revoked and expired ones included (the caller decides). */
  findByHash(hash: string): Promise<KeyRecord | undefined>;
  get(id: string): Promise<KeyRecord | undefined>;
  list(): Promise<KeyRecord[]>;
  /** Marks a key revoked; returns the updated record, or undefined when there is no such key. */
  revoke(id: string, at: string): Promise<KeyRecord | undefined>;
  close(): Promise<void>;
}
