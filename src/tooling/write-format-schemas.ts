/**
 * Writes the JSON Schemas of plan.json and slayer.json (src/shared/formats.ts) into
 * docs/formats.md, between the `<!-- json-schema: NAME -->` markers. `npm run docs:formats`;
 * tests/unit/plan/formats.test.ts fails when the page and the schemas differ.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatJsonSchemas } from '../shared/formats.js';

const page = join(import.meta.dirname, '../../docs/formats.md');
let doc = await readFile(page, 'utf8');
for (const [name, schema] of Object.entries(formatJsonSchemas())) {
  const marker = `<!-- json-schema: ${name} -->`;
  const at = doc.indexOf(marker);
  if (at < 0) throw new Error(`docs/formats.md has no ${marker} marker.`);
  const start = at + marker.length + 1;
  const end = doc.startsWith('```json\n', start) ? doc.indexOf('\n```', start) + 4 : start;
  doc = `${doc.slice(0, start)}\`\`\`json\n${JSON.stringify(schema, null, 2)}\n\`\`\`${doc.slice(end)}`;
}
await writeFile(page, doc);
