/**
 * Per 'service.Action' request counts, including calls that were throttled, failed or reset; and
 * apart from them, the calls answered with throttling and the bytes of every answer.
 */
export class CallCounter {
  private counts = new Map<string, number>();
  private throttles = new Map<string, number>();
  private bytes = new Map<string, number>();

  increment(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  throttled(key: string): void {
    this.throttles.set(key, (this.throttles.get(key) ?? 0) + 1);
  }

  sent(key: string, bytes: number): void {
    this.bytes.set(key, (this.bytes.get(key) ?? 0) + bytes);
  }

  snapshot(): Record<string, number> {
    return sorted(this.counts);
  }

  throttleSnapshot(): Record<string, number> {
    return sorted(this.throttles);
  }

  byteSnapshot(): Record<string, number> {
    return sorted(this.bytes);
  }

  reset(): void {
    this.counts.clear();
    this.throttles.clear();
    this.bytes.clear();
  }
}

function sorted(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : 1)));
}
