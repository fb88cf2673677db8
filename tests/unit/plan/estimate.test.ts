/** Size, memory and time estimates, checked against the formula written out with the model's numbers. */
import { describe, expect, it } from 'vitest';
import { fitOnMachine } from '../../../src/main/memory/machine.js';
import { RUNTIME_BYTES } from '../../../src/main/memory/forward.js';
import { estimatePlan, makePlan, storedDtype, trainingMemory, trainingTime } from '../../../src/main/plan/index.js';
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
    const bigMachine = { totalBytes: 1024 * GiB, freeBytes: 1000 * GiB };
    const mem = trainingMemory(paper, llama, B, T, bigMachine);
    const bytes = (name: string) => mem.parts.find((p) => p.name === name)!.bytes;
    // With room for everything, frozen weights are held in fp32: 4 bytes each.
    expect(mem.mode).toBe('resident-f32');
    expect(bytes('Frozen weights')).toBe(4 * (P - Ptrain));
    expect(bytes('Trained weights')).toBe(4 * Ptrain);
    expect(bytes('Gradients')).toBe(4 * Ptrain);
    expect(bytes('Optimizer')).toBe(8 * Ptrain);
    expect(bytes('Activations')).toBe(4 * elements);
    expect(mem.totalBytes).toBe(RUNTIME_BYTES + 4 * P + 12 * Ptrain + 4 * elements);
    // About 50 GiB of state before activations: 4 bytes for each of 7.95e9 weights, 12 more for each of 1.82e9 trainable.
    expect((4 * P + 12 * Ptrain) / GiB).toBeCloseTo(50.0, 0);
    // Held as stored (f16): 2 bytes per frozen weight, plus one fp32 buffer of the largest of a block (202 M) and the embedding (131 M).
    const stored = mem.estimates.find((e) => e.mode === 'resident-stored')!;
    expect(stored.parts.find((p) => p.name === 'Frozen weights')!.bytes).toBe(2 * (P - Ptrain) + 4 * 202_383_360);
    // Read from disk: the fp32 buffer plus the largest tensor's f16 bytes (the 32000 x 4096 embedding).
    const streamed = mem.estimates.find((e) => e.mode === 'streamed')!;
    expect(streamed.parts.find((p) => p.name === 'Frozen weights')!.bytes).toBe(4 * 202_383_360 + 2 * 32000 * 4096);
    // On a 24 GiB machine with 22 GiB free none fits (12 bytes per trained weight alone are 20 GiB): the least is shown.
    const workstation = trainingMemory(paper, llama, B, T, { totalBytes: 24 * GiB, freeBytes: 22 * GiB });
    expect(workstation.mode).toBe('streamed');
  });

  it('only the blocks from the lowest trainable one up keep activations; full training keeps all', () => {
    const [B, T] = [1, 256];
    const part = (plan: ReturnType<typeof makePlan>, name: string) => trainingMemory(plan, llama, B, T).parts.find((p) => p.name === name)!.bytes;
    const activations = (plan: ReturnType<typeof makePlan>) => part(plan, 'Activations');
    const lastTwo = makePlan(llama, { strategy: 'last-k', lastK: 2 });
    const lastFive = makePlan(llama, { strategy: 'last-k', lastK: 5 });
    // Three more checkpointed block inputs of B*T*H fp32 values each.
    expect(activations(lastFive) - activations(lastTwo)).toBe(4 * 3 * B * T * 4096);
    const full = makePlan(llama, { strategy: 'full' });
    const lastAll = makePlan(llama, { strategy: 'last-k', lastK: 32 });
    expect(activations(full)).toBe(activations(lastAll));
    expect(part(full, 'Gradients')).toBe(4 * 6_738_415_616);
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
    // On 48 GiB with 32 GiB free, even with frozen weights read from disk (about 24 GiB: 12 bytes per trained weight
    // and its state, 4 per frozen block buffer) the plan is over 80% of the free memory: tight.
    const machine = { totalBytes: 48 * GiB, freeBytes: 32 * GiB };
    const e = estimatePlan(paper, llama, { batch: 2, seqLen: 512, machine, run });
    expect(e).toMatchObject({ time: { steps: 245, seconds: 612.5 }, fit: 'tight' });
    expect(e.training.mode).toBe('streamed');
  });
});
