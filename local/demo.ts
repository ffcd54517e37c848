import { CreateEventBusCommand } from '@aws-sdk/client-eventbridge';
import { createClients } from '../functions/aws/clients.ts';
import { processIo } from '../functions/cli/io.ts';
import { textStyle } from '../functions/cli/run-flags.ts';
import { lineOf, loadPolicy } from '../functions/policy/load.ts';
import { renderReport } from '../functions/report/table.ts';
import { wrap } from '../functions/report/text.ts';
import { runtimeFor } from '../functions/runtime.ts';
import { runSweep } from '../functions/sweep-runtime.ts';
import { startLocalAws } from './server.ts';

/**
 * `npm start`: the product's main job end to end, with no AWS account. Starts the local AWS
 * stand-in on a free port, seeds the demo fleet, sweeps it with `policies/default.yml`, prints
 * the report, sweeps again to show nothing is left to revoke, and lists the events published.
 */
const POLICY = process.env.POLICY_PATH ?? 'policies/default.yml';
const REGION = 'us-east-1';

const local = await startLocalAws({ port: 0, seed: 'demo', seedRegion: REGION });
// The real SDK clients find the stand-in through the standard variables, as they would any endpoint.
Object.assign(process.env, {
  AWS_ENDPOINT_URL: local.endpoint,
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'AKIDLOCALDEMO',
  AWS_SECRET_ACCESS_KEY: 'local-demo-secret',
  // The functions run on Node.js 22; the SDK's notice about older local Node versions is noise here.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

let exitCode = 0;
try {
  const loaded = await loadPolicy(POLICY);
  const rt = runtimeFor(loaded, createClients({ homeRegion: REGION }));
  await rt.clients.events.send(new CreateEventBusCommand({ Name: loaded.policy.events.busName }));
  const source = {
    policyFile: loaded.file,
    policySha256: loaded.sha256,
    regions: [REGION],
    locate: (p: string) => lineOf(loaded, p),
  };

  // The command line's layout: the terminal's width and colour, or 80 plain columns in a pipe.
  const style = textStyle(processIo, true);
  const say = (text: string) => console.log(wrap([], [{ text }], 0, style).join('\n'));
  say(`Local AWS stand-in at ${local.endpoint}, demo fleet seeded in ${REGION}.`);
  console.log('\n=== First sweep ===');
  const first = await runSweep(rt, { trigger: 'cli' });
  console.log(renderReport(first, source, style));

  console.log('=== Second sweep ===');
  const second = await runSweep(rt, { trigger: 'cli' });
  const actions = second.snapshots.flatMap((s) => s.results);
  const remaining = Object.values(second.totals.findingsByKind).reduce((a, b) => a + b, 0);
  say(
    actions.length === 0 && second.totals.failures === 0
      ? 'Nothing left to revoke or delete: every grant on the fleet is one the policy allows. ' +
          `${remaining} report-only findings remain (retention, exemptions, snapshots owned by other ` +
          'accounts): the policy reports them; it changes them only where it says `delete`.'
      : `Second sweep still had ${actions.length} actions and ${second.totals.failures} failures.`,
  );
  if (actions.length > 0 || second.totals.failures > 0) exitCode = 1;

  console.log('\n=== Events published on the compliance bus ===');
  const byType = new Map<string, number>();
  for (const e of local.events(loaded.policy.events.busName))
    byType.set(e.detailType, (byType.get(e.detailType) ?? 0) + 1);
  for (const [type, n] of [...byType].sort()) console.log(`  ${String(n).padStart(3)}  ${type}`);
  const calls = Object.entries(local.calls())
    .map(([k, n]) => `${k.split('.')[1]} ${n}`)
    .join(', ');
  console.log('');
  say(`AWS calls made over both sweeps: ${calls}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  exitCode = 2;
} finally {
  await local.stop();
}
process.exitCode = exitCode;
