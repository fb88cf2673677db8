/** Plain-text renderings of a plan and its estimate (the CLI prints them; reports can reuse them). */
import type { Plan, PlanLayer } from '../../shared/plan.js';
import type { PlanEstimate } from '../../shared/estimate.js';
import { WEIGHT_MODE_WORDS } from '../../shared/memory.js';
import { TRAINING_LAYOUT_WORDS } from '../../shared/compute.js';

const STRATEGY_NAMES: Record<Plan['strategy'], string> = {
  s: 'S strategy',
  'llama-pro': 'LLaMA Pro',
  'last-k': 'Last-k layers',
  full: 'Full fine-tuning',
  manual: 'Manual',
};

const count = (n: number) => n.toLocaleString('en-US');

/** Kept layers are plain copies of themselves, so only new and refreshed layers show their init. */
function describeInit(layer: PlanLayer): string {
  if (layer.kind === 'kept') return '';
  const { method, from, zeroed } = layer.init;
  const head = `${method} ${from.join(',')}`;
  return zeroed.length ? `${head}; zeroed ${zeroed.map((z) => z.replace(/^(self_attn|mlp)\./, '')).join(', ')}` : head;
}

/** One line per resulting layer (index, kind, source, trainable, init), then removals and counts. */
export function formatPlan(plan: Plan): string {
  const { base, counts } = plan;
  const share = ((100 * counts.trainableParameters) / counts.parameters).toFixed(1);
  const lines = [
    `${STRATEGY_NAMES[plan.strategy]} plan${plan.settings.paper ? ' (published layout)' : ''} for ${base.architecture}: ${base.layers} layers, ${count(base.parameters)} parameters`,
    '',
    '  index  kind       source    trainable  init',
    ...plan.layers.map((l) => {
      const source = Array.isArray(l.source) ? l.source.join('+') : String(l.source);
      return `  ${String(l.index).padStart(5)}  ${l.kind.padEnd(9)}  ${source.padEnd(8)}  ${(l.trainable ? 'yes' : '-').padEnd(9)}  ${describeInit(l)}`.trimEnd();
    }),
    '',
    `Removed original layers: ${plan.removed.length ? plan.removed.join(', ') : 'none'}`,
    `Result: ${counts.layers} layers, ${count(counts.parameters)} parameters; trainable ${count(counts.trainableParameters)} (${share}%)${plan.trainGlobals ? ', including embeddings, final norm and LM head' : ''}`,
  ];
  if (plan.scores && plan.settings.scoreMetric)
    lines.push(
      `Chosen from ${plan.settings.scoreMetric} scores of ${plan.scores.samples} samples x ${plan.scores.seqLen} tokens (data ${plan.scores.dataHash})`,
    );
  if (plan.notes.length) lines.push('', 'Notes:', ...plan.notes.map((n) => `  - ${n}`));
  return lines.join('\n');
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
const FIT_WORDS = { fits: 'fits', tight: 'tight', 'wont-fit': "won't fit" } as const;

export function formatEstimate(e: PlanEstimate): string {
  const t = e.training;
  const lines = [
    `Size on disk (${e.disk.dtype}): ${gib(e.disk.bytes)}`,
    `Training memory at batch ${t.batch} x ${t.seqLen} tokens, frozen ${WEIGHT_MODE_WORDS[t.mode]}: ${gib(t.totalBytes)} = ${t.parts.map((p) => `${p.name.toLowerCase()} ${gib(p.bytes)}`).join(' + ')}`,
    `This machine: ${gib(e.machine.freeBytes)} free of ${gib(e.machine.totalBytes)} -> ${FIT_WORDS[e.fit]}`,
  ];
  if (e.gpu) {
    const g = e.gpu;
    for (const l of g.layouts) {
      lines.push(`On a GPU (${g.precision}), ${TRAINING_LAYOUT_WORDS[l.layout!]}: ${gib(l.device.totalBytes)} GPU + ${gib(l.host.totalBytes)} host memory`);
    }
    if (g.note) lines.push(g.note);
    else {
      const verdict = g.layout ? `${TRAINING_LAYOUT_WORDS[g.layout].split(':')[0]} ${FIT_WORDS[g.fit!]}` : FIT_WORDS[g.fit!];
      lines.push(`This GPU (${g.adapter!.name}): ${gib(g.budgetBytes!)} usable of ${gib(g.adapter!.memory!.totalBytes)} -> ${verdict}`);
    }
  }
  if (e.time) lines.push(`Training time: ${e.time.steps} steps, about ${(e.time.seconds / 3600).toFixed(1)} h`);
  return lines.join('\n');
}
