/**
 * The built Node entries (npm run build): the `slayer` command starts without loading the
 * engine, the tokenizer, the document readers or the job schemas until a command needs them,
 * and gives the same answers as the sources.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CLI = 'out/main/cli.js';
const DEMO_MODEL = join('resources', 'demo', 'model');
/** Packages that a start-up must not pay for. */
const HEAVY = ['onnxruntime-node', '@huggingface/tokenizers', 'zod', 'echarts', 'linkedom', 'unpdf', 'mammoth'];

/** Every module a built file loads before its first line runs (static imports, followed through chunks), and the packages among them. */
function staticClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|^import\s*["']([^"']+)["']/gm)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else packages.add(spec);
    }
  };
  visit(resolve(entry));
  return { files, packages };
}

/** The chunk that holds a command's module: the file the registry's loader imports. */
function commandChunk(name: string): string {
  const source = readFileSync(CLI, 'utf8');
  const m = new RegExp(`name: "${name}",[^]*?import\\("(\\./chunks/[^"]+)"\\)`).exec(source);
  if (!m) throw new Error(`No loader for ${name} in ${CLI}`);
  return join(dirname(CLI), m[1]);
}

describe('built slayer command', () => {
  it('exists after the build', () => {
    expect(existsSync(CLI), 'npm run build first (npm test does)').toBe(true);
  });

  it('starts with no heavy package, and inspect loads no engine', () => {
    const start = staticClosure(CLI);
    for (const p of HEAVY) expect(start.packages.has(p), p).toBe(false);
    const inspect = staticClosure(commandChunk('inspect'));
    expect(inspect.packages.has('onnxruntime-node')).toBe(false);
    expect(inspect.packages.has('zod')).toBe(false);
    // The registry imports no command module itself: train's chunk is not among start's files.
    expect(start.files.has(resolve(commandChunk('train')))).toBe(false);
  });

  it('answers --version and inspect as the sources do', async () => {
    const version = await run(process.execPath, [CLI, '--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    const { stdout } = await run(process.execPath, [CLI, 'inspect', DEMO_MODEL, '--json']);
    const result = JSON.parse(stdout) as { layers: number; hiddenSize: number; vocabSize: number };
    const config = JSON.parse(readFileSync(join(DEMO_MODEL, 'config.json'), 'utf8')) as Record<string, number>;
    expect(result.layers).toBe(config.num_hidden_layers);
    expect(result.hiddenSize).toBe(config.hidden_size);
    expect(result.vocabSize).toBe(config.vocab_size);
  });

  it('says what is wrong in one line for a missing model folder', async () => {
    const failed = await run(process.execPath, [CLI, 'inspect', 'no/such/folder']).catch((e: { code: number; stderr: string }) => e);
    expect((failed as { code: number }).code).toBe(2);
    expect((failed as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
  });
});
