/**
 * Reading a model tensor by tensor must cost memory on the order of the largest tensor, not the
 * model: a ~340 MB f32 model is read completely in a child process while its peak resident
 * memory is measured.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateTestModel } from '../../../src/tooling/test-model.js';

const MiB = 2 ** 20;
/**
 * Memory that does not scale with the model: V8 frees dead ArrayBuffers lazily and forces a
 * collection once about 64 MiB of them have accumulated (its external-allocation soft limit).
 */
const FIXED_ALLOWANCE = 64 * MiB;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'slayer-streaming-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

it('keeps peak memory near the largest tensor while reading a several-hundred-MB model', async () => {
  const dir = join(root, 'model');
  const started = Date.now();
  // 6 blocks of 51 MB + 17 MB embeddings + 17 MB LM head; the largest tensor is 17 MB.
  await generateTestModel(dir, { layers: 6, hiddenSize: 1024, intermediateSize: 2816, heads: 8, vocabSize: 4096, seed: 1, tokenizer: false });
  const generatedMs = Date.now() - started;
  const modelBytes = (await stat(join(dir, 'model.safetensors'))).size;
  expect(modelBytes).toBeGreaterThan(300 * MiB);

  const child = fileURLToPath(new URL('./fixtures/read-all-tensors.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, dir], { encoding: 'utf8' });
  const r = JSON.parse(stdout);
  const growth = r.peakRss - r.baselineRss;
  console.log(
    `streaming read: model ${(modelBytes / MiB).toFixed(0)} MiB, largest tensor ${(r.largestTensorBytes / MiB).toFixed(1)} MiB, ` +
      `peak RSS growth ${(growth / MiB).toFixed(1)} MiB (baseline ${(r.baselineRss / MiB).toFixed(0)} MiB), generated in ${generatedMs} ms, total ${Date.now() - started} ms`,
  );
  expect(r.tensors).toBe(3 + 6 * 9);
  expect(growth).toBeLessThan(3 * r.largestTensorBytes + FIXED_ALLOWANCE);
  expect(growth).toBeLessThan(modelBytes / 2);
}, 60_000);
