/** Where a command writes, so tests capture output instead of spawning processes. */
export type CliIo = {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Progress lines only when a person is watching. */
  isTTY?: boolean;
  env?: NodeJS.ProcessEnv;
};

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: process.stderr.isTTY === true,
  env: process.env,
};
