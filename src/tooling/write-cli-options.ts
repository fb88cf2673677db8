/**
 * Writes each command's options (src/shared/commands) into docs/cli.md, between the
 * `<!-- options: NAME -->` and `<!-- /options -->` markers. `npm run docs:cli`;
 * tests/unit/foundation/command-schemas.test.ts fails when the page and the schemas differ.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { optionList } from '../shared/command-schema.js';
import { COMMAND_SCHEMAS } from '../shared/commands/index.js';

const page = join(import.meta.dirname, '../../docs/cli.md');
let doc = await readFile(page, 'utf8');
for (const [name, schema] of Object.entries(COMMAND_SCHEMAS)) {
  const marker = `<!-- options: ${name} -->`;
  const at = doc.indexOf(marker);
  if (at < 0) throw new Error(`docs/cli.md has no ${marker} marker.`);
  const start = at + marker.length + 1;
  const end = doc.indexOf('<!-- /options -->', start);
  if (end < 0) throw new Error(`docs/cli.md: ${marker} has no <!-- /options --> after it.`);
  doc = `${doc.slice(0, start)}\n${optionList(schema).join('\n')}\n\n${doc.slice(end)}`;
}
await writeFile(page, doc);
