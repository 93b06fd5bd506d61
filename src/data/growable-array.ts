type TypedArray = Uint32Array | Float64Array | Float32Array;

/** An append-only typed array that doubles when full: per-row figures for a million rows without a JS object per row. */
export class GrowableArray<T extends TypedArray> {
  private data: T;
  length = 0;

  constructor(private readonly create: (size: number) => T) {
    this.data = create(1024);
  }

  /** Appends one value and returns its index. */
  push(value: number): number {
    if (this.length === this.data.length) {
      const grown = this.create(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length] = value;
    this.length += 1;
    return this.length - 1;
  }

  get(index: number): number {
    return this.data[index] ?? 0;
  }

  set(index: number, value: number): void {
    this.data[index] = value;
  }
}
