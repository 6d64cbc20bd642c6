#!/usr/bin/env node
// npm's `prepare`: builds dist/ when it is missing, which is the case of a git
// dependency (`npm install git+https://…/otel-preload.git#<tag>`, pnpm and Yarn do the
// same): npm clones the repository, installs its devDependencies, runs this, then
// packs what `files` lists. A checkout that already has dist/ is left as it is (`npm
// test` and `npm run build` rebuild it anyway).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'dist', 'register.js'))) {
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
