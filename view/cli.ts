#!/usr/bin/env node
/**
 * `otel-preload view`: an OTLP receiver on loopback that prints each trace as a
 * tree once it has been quiet for a moment — a backend for trying the preload on a
 * laptop. Development tool, not storage: bounded memory, nothing written to disk.
 *
 *   otel-preload view [--grpc-port 4317] [--http-port 4318] [--host 127.0.0.1]
 *                     [--json] [--logs -] [--quiet-ms 1500] [--max-traces 1000] [--no-color]
 *   node --import otel-preload/register app.js | otel-preload view --logs -
 *
 * With `--logs -` it stops when its input ends (the piped app has exited): the traces
 * still waiting are printed, then it exits 0.
 */
import { parseArgs } from 'node:util';
import { startReceiver } from '../receiver/index.js';
import { type AssembledTrace, TraceAssembler } from './assembler.js';
import { escapeControls, escapeJsonControls } from './escape.js';
import { LogsBySpan } from './logs.js';
import { renderTrace } from './tree.js';

const USAGE = `usage: otel-preload view [--grpc-port N] [--http-port N] [--host H] [--json] [--logs -] [--quiet-ms N] [--max-traces N] [--no-color]`;

function positiveInteger(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > 65_535_000) throw new Error(`--${name} must be a whole number ≥ ${min}, got "${value}"`);
  return number;
}

export function traceAsJson(trace: AssembledTrace, logs: LogsBySpan | undefined): string {
  // Exact text, but no raw control character reaches a terminal (see escape.ts).
  const json = JSON.stringify(
    {
      traceId: trace.traceId,
      updated: trace.updated,
      spans: trace.spans.map((span) => ({ ...span, logs: logs?.forSpan(span.spanId) ?? [] })),
    },
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
  );
  return escapeJsonControls(json);
}

async function view(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'grpc-port': { type: 'string' },
      'http-port': { type: 'string' },
      host: { type: 'string' },
      json: { type: 'boolean' },
      logs: { type: 'string' },
      'quiet-ms': { type: 'string' },
      'max-traces': { type: 'string' },
      'no-color': { type: 'boolean' },
    },
    strict: true,
  });
  if (values.logs !== undefined && values.logs !== '-') throw new Error('--logs takes "-" (pino lines on standard input)');
  const logs = values.logs === '-' ? new LogsBySpan() : undefined;
  const colour = process.stdout.isTTY && values['no-color'] !== true && process.env['NO_COLOR'] === undefined;
  const assembler = new TraceAssembler({
    quietMillis: positiveInteger('quiet-ms', values['quiet-ms'], 1500),
    maxTraces: positiveInteger('max-traces', values['max-traces'], 1000, 1),
    onTrace: (trace) => {
      const out = values.json === true ? traceAsJson(trace, logs) : `${renderTrace(trace.spans, { colour, updated: trace.updated, logsFor: (id) => logs?.forSpan(id) ?? [] })}\n`;
      process.stdout.write(`${out}\n`);
    },
  });
  const receiver = await startReceiver({
    host: values.host ?? '127.0.0.1',
    grpcPort: positiveInteger('grpc-port', values['grpc-port'], 4317),
    httpPort: positiveInteger('http-port', values['http-port'], 4318),
    discard: true,
    onSpans: (spans) => assembler.add(spans),
  });
  let stopping = false;
  /** Shows every trace still waiting, stops receiving, and exits once stdout has taken it all. */
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    assembler.flush();
    await receiver.close();
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  process.stderr.write(`otel-preload view: receiving OTLP on ${receiver.grpcUrl} (gRPC) and ${receiver.httpUrl} (HTTP); ${logs === undefined ? 'Ctrl-C' : 'end of input or Ctrl-C'} to stop\n`);
  if (logs !== undefined) {
    // App lines without span ids pass through, so piping an app into the viewer hides nothing;
    // escaped like everything else the viewer did not write itself.
    await logs.follow(process.stdin, (line) => process.stderr.write(`${escapeControls(line)}\n`));
    // `app | otel-preload view --logs -`: the input ends when the app has exited, after its
    // preload flushed its last spans to us, so everything there is to show has arrived.
    await stop();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'view') return view(rest);
  process.stderr.write(`${USAGE}\n`);
  process.exitCode = command === undefined || command === '--help' || command === '-h' ? 0 : 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`otel-preload: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exitCode = 2;
  });
}
