/**
 * Per 'service.Action' request counts, including calls that were throttled, failed or reset; and
 * apart from them, the calls answered with throttling and the bytes of every answer.
 */
export class CallCounter {
  private counts = new Map<string, number>();
  private throttles = new Map<string, number>();
  private bytes = new Map<string, number>();
  /** The same counts, keyed 'region service.Action'. */
  private regional = new Map<string, number>();
  private regionalThrottles = new Map<string, number>();

  increment(key: string, region?: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (region) bump(this.regional, `${region} ${key}`);
  }

  throttled(key: string, region?: string): void {
    this.throttles.set(key, (this.throttles.get(key) ?? 0) + 1);
    if (region) bump(this.regionalThrottles, `${region} ${key}`);
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

  /** Calls and throttled calls per 'region service.Action'. */
  regionalSnapshot(): { calls: Record<string, number>; throttled: Record<string, number> } {
    return { calls: sorted(this.regional), throttled: sorted(this.regionalThrottles) };
  }

  reset(): void {
    this.counts.clear();
    this.throttles.clear();
    this.bytes.clear();
    this.regional.clear();
    this.regionalThrottles.clear();
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sorted(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : 1)));
}
