import { commonErrors } from './errors.ts';

/**
 * Typed access to awsQuery form parameters. Lists arrive as `Name.Member.1`, `Name.Member.2`, ...
 * and structures inside lists as `Name.Member.1.Field` (see the SDK's QueryShapeSerializer).
 */
export class QueryParams {
  private readonly values: Map<string, string>;

  constructor(body: string) {
    this.values = new Map(new URLSearchParams(body));
  }

  get action(): string | undefined {
    return this.values.get('Action');
  }

  get version(): string | undefined {
    return this.values.get('Version');
  }

  string(name: string): string | undefined {
    return this.values.get(name);
  }

  required(name: string): string {
    const value = this.values.get(name);
    if (value === undefined || value === '') throw commonErrors.missingParameter(name);
    return value;
  }

  int(name: string): number | undefined {
    const raw = this.values.get(name);
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw)) {
      throw commonErrors.invalidParameterValue(
        `Invalid value for parameter ${name}: ${raw} is not an integer.`,
      );
    }
    return Number(raw);
  }

  bool(name: string): boolean | undefined {
    const raw = this.values.get(name);
    if (raw === undefined) return undefined;
    if (raw !== 'true' && raw !== 'false') {
      throw commonErrors.invalidParameterValue(
        `Invalid value for parameter ${name}: ${raw} is not a boolean.`,
      );
    }
    return raw === 'true';
  }

  /** Timestamps are serialized as ISO-8601 for awsQuery. */
  time(name: string): number | undefined {
    const raw = this.values.get(name);
    if (raw === undefined) return undefined;
    const ms = Date.parse(raw);
    if (Number.isNaN(ms)) {
      throw commonErrors.invalidParameterValue(
        `Invalid value for parameter ${name}: ${raw} is not a timestamp.`,
      );
    }
    return ms;
  }

  list(name: string, member: string): string[] {
    const out: string[] = [];
    for (let i = 1; ; i++) {
      const value = this.values.get(`${name}.${member}.${i}`);
      if (value === undefined) return out;
      out.push(value);
    }
  }

  structList<F extends string>(
    name: string,
    member: string,
    fields: readonly F[],
  ): Partial<Record<F, string>>[] {
    const out: Partial<Record<F, string>>[] = [];
    for (let i = 1; ; i++) {
      const prefix = `${name}.${member}.${i}.`;
      const item: Partial<Record<F, string>> = {};
      let found = false;
      for (const field of fields) {
        const value = this.values.get(prefix + field);
        if (value !== undefined) {
          item[field] = value;
          found = true;
        }
      }
      if (!found) return out;
      out.push(item);
    }
  }
}
