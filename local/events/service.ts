import { randomUUID } from 'node:crypto';
import type { CallContext, JsonService } from '../core/service.ts';
import type { FaultControl } from '../faults.ts';
import { type EventStore, eventErrors, resolveBusName } from './store.ts';

/** PutEvents limits: 1-10 entries and 256 KB per request, sized the way EventBridge documents it. */
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;

export type UnknownBusMode = 'accept' | 'reject';

export interface EventsEnv {
  events: EventStore;
  faults: FaultControl;
  /**
   * What PutEvents does with an entry for a bus that does not exist. AWS has long answered with
   * an EventId and silently dropped the event ('accept'); 'reject' fails the entry instead.
   */
  unknownBus: UnknownBusMode;
}

interface ResultEntry {
  EventId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

export function eventsService(env: EventsEnv): JsonService {
  const { events, faults } = env;
  return {
    protocol: 'json',
    name: 'events',
    jsonVersion: '1.1',
    targetPrefix: 'AWSEvents',
    faultCodes: {
      throttle: 'ThrottlingException',
      internal: 'InternalException',
      unavailable: 'ServiceUnavailable',
    },
    actions: {
      CreateEventBus(ctx, body) {
        const name = str(body.Name);
        if (name === undefined || !BUS_NAME.test(name)) {
          throw eventErrors.validation(
            `Parameter Name is not valid. Reason: ${name ?? 'null'} is not a valid name.`,
          );
        }
        const bus = events.createBus(ctx.account, ctx.region, name, str(body.Description));
        return { EventBusArn: bus.arn, ...(bus.description ? { Description: bus.description } : {}) };
      },

      DescribeEventBus(ctx, body) {
        const target = resolveBusName(str(body.Name) ?? 'default', ctx.account, ctx.region);
        const bus = events.getBus(target.account, target.region, target.name);
        if (!bus) throw eventErrors.busNotFound(target.name);
        return {
          Name: bus.name,
          Arn: bus.arn,
          ...(bus.description ? { Description: bus.description } : {}),
          CreationTime: bus.createdMs / 1000,
          LastModifiedTime: bus.createdMs / 1000,
        };
      },

      DeleteEventBus(ctx, body) {
        const name = str(body.Name);
        if (name === undefined) throw eventErrors.validation('Parameter Name is not valid.');
        events.deleteBus(ctx.account, ctx.region, name);
        return {};
      },

      PutEvents(ctx, body) {
        const entries = body.Entries;
        if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES) {
          throw eventErrors.validation(
            `1 validation error detected: Value at 'entries' failed to satisfy constraint: ` +
              `Member must have length between 1 and ${MAX_ENTRIES}`,
          );
        }
        const records = entries.map((e): Record<string, unknown> => (e && typeof e === 'object' ? e : {}));
        if (records.reduce((sum, e) => sum + entrySize(e), 0) > MAX_REQUEST_BYTES) {
          throw eventErrors.validation('Total size of the entries in the request is over the limit.');
        }
        const results = records.map((entry) => putOne(ctx, entry));
        return {
          FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length,
          Entries: results,
        };
      },
    },
  };

  function putOne(ctx: CallContext, entry: Record<string, unknown>): ResultEntry {
    const source = str(entry.Source);
    const detailType = str(entry.DetailType);
    const rawDetail = str(entry.Detail);
    if (!source) return invalidArgument('Source');
    if (!detailType) return invalidArgument('DetailType');
    if (!rawDetail) return invalidArgument('Detail');
    const detail = parseObject(rawDetail);
    if (!detail) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    if (source.startsWith('aws.')) {
      return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
    }
    const target = resolveBusName(str(entry.EventBusName) ?? 'default', ctx.account, ctx.region);
    const bus = events.getBus(target.account, target.region, target.name);
    if (!bus && env.unknownBus === 'reject') {
      return {
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Event bus ${target.name} does not exist.`,
      };
    }
    const failure = faults.takeEntryFailure();
    if (failure) {
      return {
        ErrorCode: failure,
        ErrorMessage: failure === 'ThrottlingException' ? 'Rate exceeded.' : 'An internal error occurred.',
      };
    }
    const id = randomUUID();
    if (bus) {
      const time = typeof entry.Time === 'number' ? entry.Time * 1000 : events.now();
      events.record({
        id,
        account: target.account,
        region: target.region,
        eventBusName: bus.name,
        source,
        detailType,
        detail,
        resources: Array.isArray(entry.Resources) ? entry.Resources.filter((r) => typeof r === 'string') : [],
        time: new Date(time).toISOString(),
        traceHeader: str(entry.TraceHeader),
      });
    }
    return { EventId: id };
  }
}

function invalidArgument(field: string): ResultEntry {
  return {
    ErrorCode: 'InvalidArgument',
    ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
  };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function parseObject(raw: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** EventBridge's documented entry size: Time (14 bytes), Source, DetailType, Detail and Resources. */
function entrySize(entry: Record<string, unknown>): number {
  let size = entry.Time === undefined ? 0 : 14;
  for (const field of [entry.Source, entry.DetailType, entry.Detail]) {
    if (typeof field === 'string') size += Buffer.byteLength(field, 'utf8');
  }
  if (Array.isArray(entry.Resources)) {
    for (const r of entry.Resources) if (typeof r === 'string') size += Buffer.byteLength(r, 'utf8');
  }
  return size;
}
