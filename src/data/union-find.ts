/** Disjoint sets over row indices 0..n−1; the root of each set is its lowest index, so the first occurrence is kept. */
export class UnionFind {
  private parent: Uint32Array;

  constructor(size: number) {
    this.parent = new Uint32Array(size);
    for (let index = 0; index < size; index += 1) this.parent[index] = index;
  }

  /** The set's root (its lowest index), compressing the path on the way. */
  find(index: number): number {
    let root = index;
    while (this.parent[root] !== root) root = this.parent[root] ?? root;
    let node = index;
    while (node !== root) {
      const next = this.parent[node] ?? root;
      this.parent[node] = root;
      node = next;
    }
    return root;
  }

  /** Joins two sets; the lower root becomes the root of both. */
  union(a: number, b: number): void {
    const rootA = this.find(a);
    const rootB = this.find(b);
    if (rootA === rootB) return;
    if (rootA < rootB) this.parent[rootB] = rootA;
    else this.parent[rootA] = rootB;
  }
}
