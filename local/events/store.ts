import { ServiceError } from '../core/errors.ts';

export interface EventBus {
  readonly name: string;
  readonly arn: string;
  readonly description: string | undefined;
  readonly createdMs: number;
}

/** An event as it arrived on a bus (the envelope EventBridge would hand to a rule target). */
export interface ReceivedEvent {
  readonly id: string;
  readonly account: string;
  readonly region: string;
  readonly eventBusName: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly resources: readonly string[];
  /** ISO-8601, as in the event envelope. */
  readonly time: string;
  readonly traceHeader?: string | undefined;
}

export const eventErrors = {
  validation: (message: string) => new ServiceError('ValidationException', message, 400),
  busNotFound: (name: string) =>
    new ServiceError('ResourceNotFoundException', `Event bus ${name} does not exist.`, 400),
  busExists: (name: string) =>
    new ServiceError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`, 400),
};

/**
 * Event buses and the events they received, per account and region. The default bus always
 * exists, and so do any `ambientBuses` (handy when a demo publishes to a bus nobody created).
 */
export class EventStore {
  private buses = new Map<string, Map<string, EventBus>>();
  private received: ReceivedEvent[] = [];
  private readonly ambientBuses: readonly string[];
  readonly now: () => number;

  constructor(options: { now?: () => number; ambientBuses?: readonly string[] } = {}) {
    this.now = options.now ?? Date.now;
    this.ambientBuses = options.ambientBuses ?? [];
  }

  clear(): void {
    this.buses = new Map();
    this.received = [];
  }

  createBus(account: string, region: string, name: string, description?: string): EventBus {
    const buses = this.scope(account, region);
    if (buses.has(name)) throw eventErrors.busExists(name);
    const bus = makeBus(account, region, name, description, this.now());
    buses.set(name, bus);
    return bus;
  }

  getBus(account: string, region: string, name: string): EventBus | undefined {
    return this.scope(account, region).get(name);
  }

  deleteBus(account: string, region: string, name: string): void {
    if (name === 'default') throw eventErrors.validation('Cannot delete event bus default.');
    this.scope(account, region).delete(name);
  }

  record(event: ReceivedEvent): void {
    this.received.push(event);
  }

  events(filter: { bus?: string | undefined; account?: string; region?: string } = {}): ReceivedEvent[] {
    return this.received.filter(
      (e) =>
        (filter.bus === undefined || e.eventBusName === filter.bus) &&
        (filter.account === undefined || e.account === filter.account) &&
        (filter.region === undefined || e.region === filter.region),
    );
  }

  private scope(account: string, region: string): Map<string, EventBus> {
    const key = `${region}|${account}`;
    let buses = this.buses.get(key);
    if (!buses) {
      buses = new Map();
      for (const name of ['default', ...this.ambientBuses]) {
        buses.set(name, makeBus(account, region, name, undefined, 0));
      }
      this.buses.set(key, buses);
    }
    return buses;
  }
}

function makeBus(
  account: string,
  region: string,
  name: string,
  description: string | undefined,
  createdMs: number,
): EventBus {
  return { name, arn: `arn:aws:events:${region}:${account}:event-bus/${name}`, description, createdMs };
}

const BUS_ARN = /^arn:aws[\w-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/(.+)$/;

/** EventBusName accepts a name or an ARN; an ARN may point at another account or region. */
export function resolveBusName(
  value: string,
  account: string,
  region: string,
): { account: string; region: string; name: string } {
  const m = BUS_ARN.exec(value);
  if (m && m[1] !== undefined && m[2] !== undefined && m[3] !== undefined) {
    return { region: m[1], account: m[2], name: m[3] };
  }
  return { account, region, name: value };
}
