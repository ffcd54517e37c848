/** Where a command writes, so tests capture output instead of spawning processes. */
export type CliIo = {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stderr is a terminal: progress lines only when a person is watching. */
  isTTY?: boolean;
  /** stdout is a terminal: colour and the terminal's width (else no colour, and COLUMNS or 80). */
  stdoutIsTTY?: boolean;
  /** The terminal's width in columns, when stdout is one. */
  columns?: number;
  env?: NodeJS.ProcessEnv;
};

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: process.stderr.isTTY === true,
  stdoutIsTTY: process.stdout.isTTY === true,
  get columns() {
    // Read at use, not at import: the terminal may have been resized meanwhile.
    return process.stdout.columns;
  },
  env: process.env,
};
