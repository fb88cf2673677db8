/**
 * `npm run bench [-- name ...]`: runs every benchmark module in tests/bench/cases (or the named
 * ones) one after another and prints ONE JSON document: {machine, results: {name: {...}}}.
 * Each case exports `run(): Promise<Record<string, unknown>>`. Progress goes to stderr.
 */
import { readdir } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const dir = fileURLToPath(new URL('./cases', import.meta.url));
const wanted = process.argv.slice(2);
const names = (await readdir(dir))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .filter((n) => wanted.length === 0 || wanted.includes(n))
  .sort();

const results: Record<string, unknown> = {};
for (const name of names) {
  process.stderr.write(`bench: ${name}...\n`);
  const mod = (await import(pathToFileURL(join(dir, `${name}.ts`)).href)) as { run: () => Promise<Record<string, unknown>> };
  const started = Date.now();
  try {
    results[name] = { ...(await mod.run()), wallSeconds: (Date.now() - started) / 1000 };
  } catch (e) {
    results[name] = { error: (e as Error).message };
  }
}
process.stdout.write(
  `${JSON.stringify({ machine: { cpu: cpus()[0]?.model, cores: availableParallelism(), memoryBytes: totalmem(), node: process.version }, results }, null, 2)}\n`,
);
