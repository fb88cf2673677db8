/** What the engine refuses, and how: one plain UserError line, before any compute starts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createForwardEngine, type ForwardEngine } from '../../../src/main/engine/forward-engine.js';
import { installedProviders, openProvider } from '../../../src/main/engine/providers.js';
import { isUserError } from '../../../src/shared/errors.js';
import { randomModel, tinyConfig } from './random-model.js';

async function expectUserError(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isUserError(error), String(error)).toBe(true);
  expect((error as Error).message).toMatch(message);
  expect((error as Error).message).not.toContain('\n');
}

describe('engine input checks', () => {
  const model = randomModel(tinyConfig({ max_position_embeddings: 16 }), 2);
  let engine: ForwardEngine;
  beforeAll(async () => {
    engine = await createForwardEngine(model, { threads: 1 });
  });
  afterAll(async () => engine.dispose());

  it('rejects sequences longer than max_position_embeddings', async () => {
    await expectUserError(engine.run([[1, 2], new Array(17).fill(3)]), /Sequence 2 has 17 tokens, more than the model's limit of 16/);
  });

  it('rejects token ids outside the vocabulary', async () => {
    await expectUserError(engine.run([[1, 61, 2]]), /Token id 61 at position 2 of sequence 1 is outside the model's vocabulary \(0 to 60\)/);
    await expectUserError(engine.run([[-1]]), /Token id -1 at position 1/);
    await expectUserError(engine.logits([[1.5]]), /Token id 1.5 at position 1/);
  });

  it('rejects empty input and layers that do not exist', async () => {
    await expectUserError(engine.run([]), /No token sequences/);
    await expectUserError(engine.run([[1], []]), /Sequence 2 has no tokens/);
    await expectUserError(engine.run([[1, 2]], { blockSequence: [0, 3] }), /Layer 3 does not exist: the model has layers 0 to 2/);
    await expectUserError(engine.run([[1, 2]], { blockSequence: [{ mean: [] }] }), /at least one existing layer/);
  });

  it('reports progress per block and stops when cancelled', async () => {
    const fractions: number[] = [];
    await engine.run([[1, 2, 3]], { control: { onProgress: (p) => fractions.push(p.fraction!) } });
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.length).toBeGreaterThanOrEqual(model.description.layers);
    expect(fractions.at(-1)).toBe(1);

    const controller = new AbortController();
    let blocksStarted = 0;
    const run = engine.run([[1, 2, 3]], {
      control: {
        signal: controller.signal,
        onProgress: () => {
          if (++blocksStarted === 2) controller.abort();
        },
      },
    });
    await expectUserError(run, /Cancelled/);
    expect(blocksStarted).toBe(2);
  });
});

describe('execution providers', () => {
  it('runs on the CPU by default with one thread per core, and reports it', async () => {
    const engine = await createForwardEngine(randomModel(tinyConfig(), 3));
    expect(engine.provider).toBe('cpu');
    expect(engine.threads).toBeGreaterThanOrEqual(1);
    await engine.dispose();
  });

  it('a provider that is missing or cannot start is a UserError, and "auto" falls back to the CPU', async () => {
    if (!(await installedProviders()).includes('cuda')) {
      await expectUserError(openProvider({ provider: 'cuda' }), /CUDA provider is not installed/);
    }
    const webgpu = await openProvider({ provider: 'webgpu' }).then(
      (p) => p,
      (e: unknown) => e,
    );
    if (webgpu instanceof Error) expect(isUserError(webgpu), webgpu.message).toBe(true);
    // auto: CUDA when installed, a hardware WebGPU adapter (never a software renderer), else the CPU.
    expect(['cpu', 'cuda', 'webgpu']).toContain((await openProvider({ provider: 'auto' })).name);
    await expectUserError(openProvider({ threads: 0 }), /thread count/);
  });
});
