import { writeFile } from 'node:fs/promises';
import { readArgs, USAGE } from './args.ts';
import { renderOrgTable, runOrgBench } from './org.ts';
import { resultJson } from './result.ts';
import { runBench } from './run.ts';
import { renderTable } from './table.ts';

let args: ReturnType<typeof readArgs>;
try {
  args = readArgs(process.argv.slice(2));
} catch (error) {
  console.error(`bench: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const log = (line: string) => console.error(`bench: ${line}`);
if ('org' in args) {
  const cases = await runOrgBench(args.org, log);
  process.stdout.write(renderOrgTable(cases));
  if (args.out) await writeFile(args.out, `${JSON.stringify({ organization: cases }, null, 2)}\n`);
  process.exit(0);
}
// Progress goes to stderr, so stdout is the table alone.
const result = await runBench(args.plan, log);
process.stdout.write(renderTable(result));
if (args.out) {
  await writeFile(args.out, resultJson(result));
  console.error(`bench: figures written to ${args.out}`);
}
