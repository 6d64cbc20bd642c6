import pino from 'pino';
import { config } from './config.js';

// JSON lines on stdout. `name` tells the API server's lines from the worker's.
export function createLogger(name) {
  return pino({ name, level: config.logLevel });
}
