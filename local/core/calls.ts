/** Per 'service.Action' request counts, including calls that were throttled, failed or reset. */
export class CallCounter {
  private counts = new Map<string, number>();

  increment(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  reset(): void {
    this.counts.clear();
  }
}
