#!/usr/bin/env node
// Checks that moving text out of the README lost nothing: every sentence, table row and
// code line of the README at <rev> must still be somewhere in README.md or docs/*.md.
// Headings are structure and are not checked; link targets are ignored (moved text gets
// `../` in front of them). Prints what is missing: it should be only what was rewritten.
//
//   node scripts/docs/check-moved.mjs <rev>     # e.g. the commit before the move
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const rev = process.argv[2];
if (!rev) {
  process.stderr.write('usage: node scripts/docs/check-moved.mjs <rev>\n');
  process.exit(2);
}
const root = join(import.meta.dirname, '..', '..');
const normalise = (text) => text.replace(/\]\([^)]*\)/g, ']()').replace(/\s+/g, ' ').trim();

/** The README's facts: table rows and code lines whole, prose split into sentences. */
function units(markdown) {
  const out = [];
  let code = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) {
      code = !code;
      continue;
    }
    const text = line.trim();
    if (text === '' || (!code && text.startsWith('#')) || /^\|[-| ]+\|$/.test(text)) continue;
    if (code || text.startsWith('|') || line.startsWith('    ')) out.push(normalise(text));
    else out.push(...normalise(text.replace(/^- /, '')).split(/(?<=[.;!?:)])\s+(?=[A-Z`(*[])/).filter((s) => s.length > 3));
  }
  return out;
}

const old = execFileSync('git', ['show', `${rev}:README.md`], { cwd: root, encoding: 'utf8' });
const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => join('docs', name))];
const now = files.map((file) => readFileSync(join(root, file), 'utf8').split('\n').map(normalise).join('\n')).join('\n');
const missing = units(old).filter((unit) => !now.includes(unit));
for (const unit of missing) process.stdout.write(`missing: ${unit}\n`);
process.stdout.write(`${units(old).length - missing.length} of ${units(old).length} sentences, rows and code lines of ${rev}:README.md found in ${files.join(', ')}\n`);
process.exitCode = missing.length === 0 ? 0 : 1;
