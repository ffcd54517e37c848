/**
 * An ordered set of strings with binary search. Inserts append and mark the array unsorted;
 * the next read sorts once (TimSort makes "sorted run + short tail" linear), so bulk seeding
 * stays O(n log n) overall and steady-state paging costs O(log n + page).
 */
export class SortedKeys {
  private keys: string[] = [];
  private sorted = true;

  get size(): number {
    return this.keys.length;
  }

  add(key: string): void {
    const last = this.keys[this.keys.length - 1];
    if (this.sorted && last !== undefined && key <= last) this.sorted = false;
    this.keys.push(key);
  }

  delete(key: string): boolean {
    const keys = this.view();
    const i = this.lowerBound(key);
    if (keys[i] !== key) return false;
    keys.splice(i, 1);
    return true;
  }

  has(key: string): boolean {
    return this.view()[this.lowerBound(key)] === key;
  }

  at(index: number): string | undefined {
    return this.view()[index];
  }

  /** Index of the first key >= `key`. */
  lowerBound(key: string): number {
    const keys = this.view();
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((keys[mid] as string) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first key > `key`. */
  upperBound(key: string): number {
    const keys = this.view();
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((keys[mid] as string) <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  clear(): void {
    this.keys = [];
    this.sorted = true;
  }

  private view(): string[] {
    if (!this.sorted) {
      this.keys.sort();
      // A duplicate only appears if a caller re-adds a key; keep the set semantics.
      let w = 0;
      for (let r = 0; r < this.keys.length; r++) {
        if (r === 0 || this.keys[r] !== this.keys[w - 1]) this.keys[w++] = this.keys[r] as string;
      }
      this.keys.length = w;
      this.sorted = true;
    }
    return this.keys;
  }
}
