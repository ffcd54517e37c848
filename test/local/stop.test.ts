import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';

/**
 * `npm run local` as the README starts it, stopped with a signal to the process that was
 * started (what `kill $!` after `&`, or Ctrl+C, sends): the server must close, the port must be
 * free again, and no process it started may linger.
 */

const ROOT = new URL('../../', import.meta.url).pathname;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether something can listen on the port again. */
function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Still running: a zombie (ended, not yet reaped by a container's pid 1) does not count. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // No /proc (not Linux): the signal check above is all there is.
    return !existsSync('/proc');
  }
}

/** Every process below `pid`, read from /proc where the system has one (Linux). */
function descendants(pid: number): number[] {
  if (!existsSync('/proc')) return [];
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // the process ended while the directory was read
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

/**
 * Starts the README's command (or `npm run local` with `flags`) on `port` and resolves with the
 * server's pid from its banner.
 */
function start(
  port: number,
  flags: string[] = ['--seed', 'demo'],
): Promise<{ npm: ChildProcess; serverPid: number; output: () => string }> {
  const npm = spawn('npm', ['run', 'local', '--', ...flags, '--port', String(port)], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const pid = /Stop: Ctrl\+C, or kill (\d+)/.exec(output)?.[1];
      if (pid) resolve({ npm, serverPid: Number(pid), output: () => output });
    };
    npm.stdout?.on('data', onData);
    npm.stderr?.on('data', onData);
    npm.once('exit', (code) =>
      reject(new Error(`npm run local exited (${code}) before listening:\n${output}`)),
    );
  });
}

describe('npm run local', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'stops on %s to the npm process: the port is free and nothing it started lingers',
    async (signal) => {
      // Prepare
      const port = await freePort();
      const { npm, serverPid, output } = await start(port);
      const started = [serverPid, ...descendants(npm.pid ?? -1)];
      expect(alive(serverPid)).toBe(true);
      expect(await portIsFree(port)).toBe(false);

      // Act
      const exited = new Promise((resolve) => npm.once('exit', resolve));
      npm.kill(signal);
      await exited;

      // Assess
      expect(await portIsFree(port)).toBe(true);
      expect(started.filter(alive)).toEqual([]);
      expect(output()).toContain(`Stopped (${signal}); http://127.0.0.1:${port} is free.`);
    },
  );
});

describe('npm run local with rate limits', () => {
  it.each([
    [
      ['--rate-limit', '5', '--burst', '50', '--profile', 'realistic'],
      'Rate limits: 5 requests a second, bursts of 50,',
    ],
    [['--rate-limit', 'off'], 'Rate limits: off'],
  ])('starts with %j and says so in its banner', async (flags, said) => {
    // Prepare
    const port = await freePort();
    const { npm, output } = await start(port, flags);

    // Act
    const exited = new Promise((resolve) => npm.once('exit', resolve));
    npm.kill('SIGTERM');
    await exited;

    // Assess
    expect(output()).toContain(said);
    expect(await portIsFree(port)).toBe(true);
  });
});
