import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { lambdaHandler } from './lambda/middleware.ts';
import { observability } from './lambda/observability.ts';
import { FINISH_RESERVE_MS, finalResults, finishRun, hubContext } from './org/finish.ts';
import { gate } from './org/gate.ts';
import { AccountNoteSchema, GateSchema, RunSchema, WorkResultSchema } from './org/model.ts';
import { hubPublisher } from './org/publish.ts';
import { lazyRuntime, withinTime } from './runtime.ts';

/** A Map state's gathered output: one entry per item, each parsed on its own (see finalResults). */
const Results = z.array(z.unknown()).max(100_000);
const Item = z.strictObject({ account: z.string(), region: z.string() });

/** The two steps of the state machine that look at every item at once. */
export const OrgStepSchema = z.discriminatedUnion('step', [
  z.strictObject({ step: z.literal('gate'), run: RunSchema, results: Results }),
  z.strictObject({
    step: z.literal('finish'),
    run: RunSchema,
    accounts: z.number().int().min(0),
    items: z.array(Item).max(100_000),
    unreachable: z.array(AccountNoteSchema),
    swept: Results,
    gate: GateSchema,
    enforced: Results,
  }),
]);

const obs = observability();
const runtime = lazyRuntime(FINISH_RESERVE_MS);

/**
 * Organisation mode, between and after the Distributed Maps: `gate` checks the run's safety
 * limits over every held account-region; `finish` publishes the run's summary events, its calls
 * bound by the time the invocation has left.
 */
export const handler = lambdaHandler(OrgStepSchema, obs, async (input, context: Context, signal) => {
  obs.logger.appendKeys({ runId: input.run.runId, step: input.step });
  const rt = await runtime(context.getRemainingTimeInMillis());
  const policy = rt.loaded.policy;
  if (input.step === 'gate') {
    const parsed = input.results.flatMap((r) => {
      const p = WorkResultSchema.safeParse(r);
      return p.success ? [p.data] : [];
    });
    const decision = gate(policy, parsed);
    obs.logger.info('run gated', {
      phase: decision.phase,
      planned: decision.planned,
      held: decision.held.length,
    });
    // The Enforce map reads `reason` and `stops` for every item; a JSONPath to a missing key fails the run.
    return { ...decision, reason: decision.reason ?? '' };
  }
  const hubAccount = context.invokedFunctionArn.split(':')[4] ?? '';
  const request = { remainingMs: () => context.getRemainingTimeInMillis(), signal };
  const { value: summary } = await withinTime(request, FINISH_RESERVE_MS, () =>
    finishRun(hubPublisher(rt.clients, policy), {
      context: hubContext(policy, hubAccount, input.run),
      homeRegion: rt.clients.homeRegion,
      plan: input,
      results: finalResults(input.items, input.swept, input.enforced),
      gate: input.gate.held.length > 0 ? input.gate : undefined,
    }),
  );
  obs.logger.info('organization sweep finished', {
    summary: { ...summary, failures: summary.failures.length },
  });
  return summary;
});
