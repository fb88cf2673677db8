/** Size, memory and time estimates, checked against the formula written out with the model's numbers. */
import { describe, expect, it } from 'vitest';
import { estimatePlan, fitOnMachine, makePlan, storedDtype, trainingMemory, trainingTime } from '../../../src/main/plan/index.js';
import { modelOf, referenceConfig } from './helpers.js';

const GiB = 2 ** 30;
const llama = modelOf(referenceConfig('llama-2-7b'));
const paper = makePlan(llama, { strategy: 's', paper: true });

describe('training memory', () => {
  it('S plan on Llama-2-7B at batch 2 x 1024', () => {
    const [B, T, H, F, heads, V] = [2, 1024, 4096, 11008, 32, 32000];
    const P = 7_952_715_776;
    const Ptrain = 9 * 202_383_360;
    // The lowest trainable block is index 2, so blocks 2..37 (36) keep their inputs.
    const blockTensorsPerToken =
      2 * H /* two norm outputs */ +
      3 * H /* o_proj out, residual sum, down_proj out */ +
      3 * H +
      3 * H /* q,k,v before and after RoPE (MHA: kv = H) */ +
      4 * F;
    const elements = 36 * B * T * H + 2 * B * T * blockTensorsPerToken + 2 * B * heads * T * T + 2 * B * T * V;
    const mem = trainingMemory(paper, llama, B, T);
    expect(mem).toEqual({
      batch: B,
      seqLen: T,
      weightsBytes: 4 * P,
      gradientBytes: 4 * Ptrain,
      optimizerBytes: 8 * Ptrain,
      activationBytes: 4 * elements,
      totalBytes: 4 * P + 12 * Ptrain + 4 * elements,
    });
    // About 50 GiB of state before activations: 4 bytes for each of 7.95e9 weights, 12 for each of 1.82e9 trainable.
    expect((4 * P + 12 * Ptrain) / GiB).toBeCloseTo(50.0, 0);
  });

  it('only the blocks from the lowest trainable one up keep activations; full training keeps all', () => {
    const [B, T] = [1, 256];
    const activations = (plan: ReturnType<typeof makePlan>) => trainingMemory(plan, llama, B, T).activationBytes;
    const lastTwo = makePlan(llama, { strategy: 'last-k', lastK: 2 });
    const lastFive = makePlan(llama, { strategy: 'last-k', lastK: 5 });
    // Three more checkpointed block inputs of B*T*H fp32 values each.
    expect(activations(lastFive) - activations(lastTwo)).toBe(4 * 3 * B * T * 4096);
    const full = makePlan(llama, { strategy: 'full' });
    const lastAll = makePlan(llama, { strategy: 'last-k', lastK: 32 });
    expect(activations(full)).toBe(activations(lastAll));
    expect(trainingMemory(full, llama, B, T).gradientBytes).toBe(4 * 6_738_415_616);
  });
});

describe('fit, disk and time', () => {
  it('fits within 80% of free memory, tight up to 90% of physical memory, else not', () => {
    const machine = { totalBytes: 100 * GiB, freeBytes: 50 * GiB };
    expect(fitOnMachine(40 * GiB, machine)).toBe('fits');
    expect(fitOnMachine(40 * GiB + 1, machine)).toBe('tight');
    expect(fitOnMachine(90 * GiB, machine)).toBe('tight');
    expect(fitOnMachine(90 * GiB + 1, machine)).toBe('wont-fit');
  });

  it('disk size follows the stored dtype unless one is asked for', () => {
    expect(storedDtype(llama)).toBe('f16');
    expect(storedDtype(modelOf(referenceConfig('qwen2-7b')))).toBe('bf16');
    expect(storedDtype(modelOf({ ...referenceConfig('llama-2-7b'), torch_dtype: undefined }))).toBe('f32');
    const machine = { totalBytes: 512 * GiB, freeBytes: 400 * GiB };
    const e = estimatePlan(paper, llama, { batch: 1, seqLen: 512, machine });
    expect(e.disk).toEqual({ dtype: 'f16', bytes: 2 * 7_952_715_776 });
    expect(estimatePlan(paper, llama, { batch: 1, seqLen: 512, machine, dtype: 'f32' }).disk.bytes).toBe(4 * 7_952_715_776);
    expect(e).toMatchObject({ parameters: 7_952_715_776, trainableParameters: 1_821_450_240, fit: 'fits', time: null, machine });
  });

  it('time from a measured step: steps = ceil(tokens / tokens per step)', () => {
    const run = { secondsPerStep: 2.5, tokens: 1_000_000, gradAccum: 4 };
    // 2 x 512 x 4 = 4096 tokens per optimizer step -> 245 steps (244.14 rounded up).
    expect(trainingTime(run, 2, 512)).toEqual({ steps: 245, seconds: 612.5 });
    const machine = { totalBytes: 48 * GiB, freeBytes: 32 * GiB };
    expect(estimatePlan(paper, llama, { batch: 2, seqLen: 512, machine, run })).toMatchObject({ time: { steps: 245, seconds: 612.5 }, fit: 'wont-fit' });
  });
});
