import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { GrowableArray } from "./growable-array.js";

/**
 * The rows that passed the per-row steps, one JSON line each, in a scratch file: dedup reads candidates back by
 * offset instead of holding every text in memory, and the last pass streams it in order.
 */
export class RowSpool {
  private readonly descriptor: number;
  private readonly offsets = new GrowableArray((size) => new Float64Array(size));
  private readonly lengths = new GrowableArray((size) => new Uint32Array(size));
  private size = 0;

  constructor(readonly path: string) {
    this.descriptor = openSync(path, "w+");
  }

  /** Appends a row's JSON and returns its spool index. */
  append(json: string): number {
    const bytes = Buffer.from(`${json}\n`, "utf8");
    writeSync(this.descriptor, bytes, 0, bytes.length, this.size);
    this.offsets.push(this.size);
    this.lengths.push(bytes.length - 1);
    this.size += bytes.length;
    return this.offsets.length - 1;
  }

  /** The JSON of the row at a spool index. */
  read(index: number): string {
    const length = this.lengths.get(index);
    const buffer = Buffer.alloc(length);
    readSync(this.descriptor, buffer, 0, length, this.offsets.get(index));
    return buffer.toString("utf8");
  }

  get count(): number {
    return this.offsets.length;
  }

  close(): void {
    closeSync(this.descriptor);
  }
}
