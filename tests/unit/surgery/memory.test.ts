/**
 * Surgery streams: a ~430 MB f32 model gets an S plan whose refreshed block averages three
 * layers, in a child process whose peak resident memory is measured. While weights are written,
 * growth must stay on the order of the few tensors in flight (a mean's sources and result, plus
 * the tensor being written), never approach the model. The function check that follows streams
 * one block at a time too: a refreshed layer's running mean plus the source block being added,
 * so its peak is a few blocks whatever the depth.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { tempDir } from '../../helpers/tmp.js';

const MiB = 2 ** 20;
/**
 * Memory that does not scale with the model: V8 frees dead ArrayBuffers lazily, collecting once
 * about 64 MiB of them have accumulated, and releases them from a background sweeper, so up to
 * twice that can still be resident at a peak.
 */
const FIXED_ALLOWANCE = 2 * 64 * MiB;

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir: root, cleanup } = await tempDir('slayer-surgery-memory-')));
afterAll(async () => cleanup());

it('keeps peak memory near a few tensors, not the model', async () => {
  const model = join(root, 'model');
  // 8 blocks of 51 MB + two 8 MB embedding matrices; the largest tensor (an MLP matrix) is 11.5 MB.
  await generateTestModel(model, { layers: 8, hiddenSize: 1024, intermediateSize: 2816, heads: 8, vocabSize: 2048, seed: 1, tokenizer: false });
  const child = fileURLToPath(new URL('./fixtures/apply-in-child.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, model, join(root, 'out')], { encoding: 'utf8' });
  const r = JSON.parse(stdout);
  const writing = r.writingPeakRss - r.baselineRss;
  const growth = r.peakRss - r.baselineRss;
  console.log(
    `surgery memory: wrote ${(r.bytesWritten / MiB).toFixed(0)} MiB in ${r.seconds.toFixed(1)} s, largest tensor ${(r.largestTensorBytes / MiB).toFixed(1)} MiB, ` +
      `peak RSS growth ${(writing / MiB).toFixed(1)} MiB while writing, ${(growth / MiB).toFixed(1)} MiB with the function check (block ${(r.blockF32Bytes / MiB).toFixed(1)} MiB in fp32)`,
  );
  expect(r.averagedSources).toBe(3);
  expect(writing).toBeLessThan((r.averagedSources + 2) * r.largestTensorBytes + FIXED_ALLOWANCE);
  expect(writing).toBeLessThan(r.bytesWritten / 2);
  expect(growth).toBeLessThan((r.averagedSources + 1) * r.blockF32Bytes + FIXED_ALLOWANCE);
}, 60_000);
