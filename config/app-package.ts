import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface AppPackage {
  name?: string;
  version?: string;
  /** Where it was found, for the start-up line. */
  path: string;
}

export type ReadText = (path: string) => string | undefined;

const readText: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * The app's own `package.json`: the nearest one with a `name`, looking upward from
 * the entry script, then from the working directory. A package.json without a name
 * (such as a `{"type":"module"}` marker in a sub-folder) is passed over, since it
 * does not say what the service is called.
 */
export function findAppPackage(entryScript: string | undefined, cwd: string, read: ReadText = readText): AppPackage | undefined {
  const starts = entryScript === undefined ? [cwd] : [dirname(resolve(cwd, entryScript)), cwd];
  for (const start of starts) {
    for (let dir = start; ; dir = dirname(dir)) {
      const found = readPackage(join(dir, 'package.json'), read);
      if (found?.name !== undefined) return found;
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

function readPackage(path: string, read: ReadText): AppPackage | undefined {
  const text = read(path);
  if (text === undefined) return undefined;
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json !== 'object' || json === null) return undefined;
    const { name, version } = json as Record<string, unknown>;
    return {
      path,
      name: typeof name === 'string' && name.trim() !== '' ? name.trim() : undefined,
      version: typeof version === 'string' && version.trim() !== '' ? version.trim() : undefined,
    };
  } catch {
    return undefined;
  }
}
