/**
 * The plan estimate display and its fit bar, on estimates from the plan module for the paper's
 * Llama-2-7B plan; expected numbers come from the published counts and the fit rule, not from
 * the display code.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { mount } from '@vue/test-utils';
import PlanEstimate from '../../src/renderer/src/components/PlanEstimate.vue';
import FitBar from '../../src/renderer/src/components/FitBar.vue';
import { estimatePlan, makePlan } from '../../src/main/plan/index.js';
import { parseModelConfig } from '../../src/main/model/config.js';
import { formatCount } from '../../src/renderer/src/format';
import type { MachineMemory } from '../../src/shared/memory.js';

const GiB = 2 ** 30;
const llama7b = parseModelConfig(JSON.parse(readFileSync('tests/fixtures/reference-configs/llama-2-7b.json', 'utf8')));
const paper = makePlan(llama7b, { strategy: 's', paper: true });
/** Published in the paper (docs/s-strategy.md). */
const PAPER_PARAMETERS = 7_952_715_776;
const PAPER_TRAINABLE = 1_821_450_240;
const LLAMA2_7B_PARAMETERS = 6_738_415_616;

function mountEstimate(machine: MachineMemory, batch = 1, seqLen = 512) {
  const estimate = estimatePlan(paper, llama7b, { batch, seqLen, machine });
  return { estimate, w: mount(PlanEstimate, { props: { estimate, baseParameters: paper.base.parameters, batch, seqLen } }) };
}

describe('plan estimate display', () => {
  const machine = { totalBytes: 256 * GiB, freeBytes: 200 * GiB };

  it('shows parameters, trainable parameters and disk size to three digits', () => {
    const { w } = mountEstimate(machine);
    expect(w.get('[data-testid="estimate-parameters"]').text()).toBe(`${(PAPER_PARAMETERS / 1e9).toFixed(2)} B`);
    expect(w.get('[data-testid="estimate-parameters"]').attributes('title')).toContain('7,952,715,776');
    expect(w.get('[data-testid="estimate-trainable"]').text()).toBe(`${(PAPER_TRAINABLE / 1e9).toFixed(2)} B`);
    // config.json says float16: two bytes per parameter.
    expect(w.get('[data-testid="estimate-disk"]').text()).toBe(`${((2 * PAPER_PARAMETERS) / GiB).toFixed(1)} GB`);
    const growth = (PAPER_PARAMETERS / LLAMA2_7B_PARAMETERS - 1) * 100;
    expect(w.text()).toContain(`+${growth.toFixed(1)}% vs the original 6.74 B`);
    expect(w.text()).toContain(`${((PAPER_TRAINABLE / PAPER_PARAMETERS) * 100).toFixed(1)}% of the new model`);
  });

  it('shows training memory against the machine with the verdict in words', () => {
    const seen = new Set<string>();
    for (const [free, total] of [
      [200, 256],
      [20, 48],
      [8, 16],
    ]) {
      const m = { totalBytes: total * GiB, freeBytes: free * GiB };
      const { estimate, w } = mountEstimate(m);
      const need = estimate.training.totalBytes;
      // The fit rule: within 80% of free memory fits, within 90% of all memory is tight.
      const words = need <= 0.8 * m.freeBytes ? 'Fits' : need <= 0.9 * m.totalBytes ? 'Tight' : "Won't fit";
      expect(w.get('.verdict').text()).toContain(words);
      seen.add(words);
      const meter = w.get('[role="meter"]');
      expect(Number(meter.attributes('aria-valuenow'))).toBe(Math.min(need, m.totalBytes));
      expect(w.get('.fill').attributes('style')).toContain(`width: ${Math.min(100, (need / m.totalBytes) * 100).toFixed(1)}%`);
    }
    expect(seen.size).toBe(3);
  });

  it('breaks training memory into frozen and trained weights, gradients, optimizer and activations', () => {
    const { w } = mountEstimate(machine);
    const parts = w.findAll('.parts li').map((li) => li.text());
    // With room to spare, frozen weights in fp32; an fp32 copy, an fp32 gradient and two fp32 AdamW moments per trainable parameter.
    expect(parts[0]).toMatch(/^Runtime/);
    expect(parts[1]).toBe(`Frozen weights${((4 * (PAPER_PARAMETERS - PAPER_TRAINABLE)) / GiB).toFixed(1)} GB`);
    expect(parts[2]).toBe(`Trained weights${((4 * PAPER_TRAINABLE) / GiB).toFixed(1)} GB`);
    expect(parts[3]).toBe(`Gradients${((4 * PAPER_TRAINABLE) / GiB).toFixed(1)} GB`);
    expect(parts[4]).toBe(`Optimizer${((8 * PAPER_TRAINABLE) / GiB).toFixed(1)} GB`);
    expect(parts[5]).toMatch(/^Activations/);
    expect(w.text()).toContain('Assumes frozen weights held in fp32.');
  });

  it('on a 24 GB workstation the 7B plan keeps frozen weights on disk and still does not fit: it says so', () => {
    const { estimate, w } = mountEstimate({ totalBytes: 24 * GiB, freeBytes: 22 * GiB });
    expect(estimate.training.mode).toBe('streamed');
    // 12 bytes per trainable parameter (weight, gradient, two moments in fp32) alone exceed 80% of the 22 GB free.
    expect(12 * PAPER_TRAINABLE).toBeGreaterThan(0.8 * 22 * GiB);
    expect(w.get('.verdict').text()).not.toContain('Fits');
    expect(w.text()).toContain('Assumes frozen weights read from disk one block at a time.');
  });

  it('emits whole batch and sequence lengths within range, and ignores anything else', async () => {
    const { w } = mountEstimate(machine);
    const [batchInput, seqInput] = w.findAll('input');
    await batchInput.setValue('4');
    await batchInput.setValue('0');
    await batchInput.setValue('2.5');
    await seqInput.setValue('1024');
    await seqInput.setValue('4');
    expect(w.emitted('update:batch')).toEqual([[4]]);
    expect(w.emitted('update:seqLen')).toEqual([[1024]]);
  });
});

describe('fit bar', () => {
  it('says how many times the machine a plan needs when it is more than all of it', () => {
    const w = mount(FitBar, {
      props: { label: 'Train', bytes: 96 * GiB, machine: { totalBytes: 32 * GiB, freeBytes: 16 * GiB }, fit: 'wont-fit', assumes: 'batch 1' },
    });
    expect(w.text()).toContain('3.0× this machine');
    expect(w.text()).toContain("✕ Won't fit");
    expect(w.text()).toContain('Assumes batch 1.');
    expect(w.get('.fill').attributes('style')).toContain('width: 100.0%');
  });

  it('formats parameter counts to three significant digits', () => {
    expect([6_738_415_616, 202_383_360, 98_304, 999_600_000, 37].map(formatCount)).toEqual(['6.74 B', '202 M', '98.3 K', '1.00 B', '37']);
  });
});
