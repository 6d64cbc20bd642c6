/**
 * How the demo runs commands and reports failure. What a user reads last must be the
 * cause: when starting the services failed, the stop that cleans up after it often
 * fails too (there is nothing to stop), and that error used to replace the first one.
 */
import { spawn } from 'node:child_process';

/** A command that failed; `tail` is the end of what it wrote to stderr. */
export class CommandFailed extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly tail: string[],
  ) {
    super(`${command} exited with ${code ?? 'a signal'}${tail.length > 0 ? `; the end of its output:\n${tail.map((line) => `  | ${line}`).join('\n')}` : ''}`);
  }
}

/**
 * Runs a command with its stderr shown as it comes (the first install takes minutes and
 * says so there) and its last `tailLines` lines kept for the error if it fails;
 * resolves with what it wrote to stdout.
 */
export function run(command: string, args: string[], tailLines = 20, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      text = (text + chunk.toString()).slice(-64 * 1024);
    });
    child.on('error', fail);
    child.on('close', (code) => {
      if (code === 0) return done(out);
      const lines = text.split('\n').filter((line) => line.trim() !== '');
      fail(new CommandFailed([command, ...args].join(' '), code, lines.slice(-tailLines)));
    });
  });
}

export type Cleanup = () => Promise<void> | void;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Runs every cleanup, last registered first, even when one fails; returns the failures.
 * Empties the list, so a second call (Ctrl-C during cleanup) does nothing twice.
 */
export async function cleanUp(cleanups: Cleanup[]): Promise<unknown[]> {
  const failures: unknown[] = [];
  for (const step of cleanups.splice(0).reverse()) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  return failures;
}

/**
 * Runs `main`, then the cleanups it registered, whatever happened. Reports the failure of
 * `main` first, the cleanup failures after it, and ends on one line naming the cause again.
 * Resolves with the exit code.
 */
export async function runSteps(main: (cleanups: Cleanup[]) => Promise<void>, say: (text: string) => void, cleanups: Cleanup[] = []): Promise<number> {
  let failure: { error: unknown } | undefined;
  try {
    await main(cleanups);
  } catch (error) {
    failure = { error };
    say(`failed: ${message(error)}`);
  }
  const cleanupFailures = await cleanUp(cleanups);
  for (const error of cleanupFailures) say(`while cleaning up${failure === undefined ? '' : ' after that failure'}: ${message(error)}`);
  if (failure !== undefined) {
    const cause = failure.error instanceof CommandFailed ? `${failure.error.command} exited with ${failure.error.code ?? 'a signal'} (its output above)` : message(failure.error).split('\n')[0];
    if (cleanupFailures.length > 0) say(`the demo failed because ${cause}`);
    return 1;
  }
  return cleanupFailures.length > 0 ? 1 : 0;
}
