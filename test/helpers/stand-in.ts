import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type LocalAws, type LocalAwsOptions, startLocalAws } from '../../local/server.ts';

/**
 * The stand-in (`local/`) as every integration and stand-in suite uses it: one per file, or per
 * `describe` block when it is called inside one.
 */

export type StandInOptions = Omit<LocalAwsOptions, 'port' | 'host'> & {
  /**
   * Point the SDK's standard variables (AWS_ENDPOINT_URL, AWS_REGION, the keys) at the stand-in, so
   * clients built the product's way, with no endpoint of their own, reach it. Left set after the
   * suite: each test file runs in its own process.
   */
  sdkEnv?: boolean;
  /**
   * Forget state, calls and faults before each test (the default). `false` for a suite whose tests
   * all read what its `beforeAll` set up.
   */
  resetEachTest?: boolean;
};

/** Starts one on a free port, so files running side by side never share one. */
async function start(options: StandInOptions): Promise<LocalAws> {
  const { sdkEnv = false, resetEachTest: _, ...server } = options;
  const local = await startLocalAws({ ...server, port: 0 });
  if (sdkEnv) {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: local.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
      AWS_SECRET_ACCESS_KEY: 'local-secret',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
  }
  return local;
}

/**
 * Registers the suite's stand-in: started in `beforeAll`, stopped in `afterAll`, reset in
 * `beforeEach` unless `resetEachTest` is false. Call it before the suite's own hooks: vitest runs
 * `before*` hooks in the order they were registered and `after*` hooks in reverse, so the suite's
 * hooks find it running, and its own `beforeEach` seeds after the reset.
 *
 * The stand-in only exists once `beforeAll` has run, so what comes back stands for it: every
 * property is read from the running stand-in, and reading one before it started (at a module's top
 * level) throws. Tests keep writing `local.store`, `local.calls()`, as with the stand-in itself.
 *
 * @example
 * const local = useStandIn({ eventBuses: ['snapshot-compliance'] });
 * beforeEach(() => local.seedFleet({ demo: true }));
 * it('…', async () => expect(local.calls()).toEqual({}));
 */
export function useStandIn(options: StandInOptions = {}): LocalAws {
  let current: LocalAws | undefined;
  const running = (): LocalAws => {
    if (!current) throw new Error('the stand-in is not running yet: use it in a hook or a test');
    return current;
  };
  beforeAll(async () => {
    current = await start(options);
  });
  afterAll(async () => {
    await current?.stop();
    current = undefined;
  });
  if (options.resetEachTest !== false) {
    beforeEach(() => {
      running().reset();
    });
  }
  return new Proxy({} as LocalAws, {
    get(_, key) {
      const local = running();
      const value: unknown = Reflect.get(local, key);
      return typeof value === 'function' ? value.bind(local) : value;
    },
  });
}
