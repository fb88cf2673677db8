/** The plain-text summary of a training run (`slayer train`, `slayer sft`). */
import type { TrainRunResult } from '../shared/training.js';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 3 : 1)} MiB`;

function ranOn(r: TrainRunResult): string {
  const p = r.memory.placement;
  if (p?.provider !== 'webgpu') return `${r.provider} (${r.threads} threads)`;
  return `the GPU (${p.adapter}, ${p.precision}, ${p.layout === 'offload' ? 'layout (b), ZeRO-Offload' : 'layout (a), everything on the GPU'})`;
}

export function formatTrainResult(r: TrainRunResult): string {
  const first = r.losses[0];
  const last = r.losses.at(-1);
  const what = r.lora
    ? `LoRA adapters, rank ${r.lora.rank}, on ${r.lora.targets.join(', ')} of ${r.lora.layers.length} blocks`
    : r.trainGlobals
      ? 'all tensors'
      : `blocks ${r.trainableLayers.join(', ')}`;
  const lines = [
    `Trained      ${r.trainableParameters.toLocaleString('en-US')} parameters (${what}) for ${r.steps} steps${r.resumedFrom === null ? '' : ` (resumed from step ${r.resumedFrom})`}`,
    `Loss         ${first?.toFixed(4)} -> ${last?.toFixed(4)}${r.format === 'instruct' ? ' (response tokens only)' : ''}`,
    `Speed        ${Math.round(r.tokensPerSecond).toLocaleString('en-US')} tokens/s on ${ranOn(r)}`,
  ];
  const transfers = r.memory.placement?.transfers;
  if (transfers?.firstStep) {
    const later = transfers.laterStepsMax ?? transfers.firstStep;
    lines.push(
      `GPU traffic  ${mib(transfers.loadHostToDeviceBytes)} up to load; per step ${mib(later.hostToDeviceBytes)} up, ${mib(later.deviceToHostBytes)} down`,
    );
  }
  const sources = [...r.mixture.sources, ...(r.mixture.replay ? [{ ...r.mixture.replay, name: 'general (replay)' }] : [])];
  if (sources.length > 1) {
    const total = r.mixture.tokensRead.reduce((a, b) => a + b, 0);
    for (const [k, s] of sources.entries()) {
      lines.push(`Source       ${s.name}: share ${pct(s.share)}, read ${pct(total ? r.mixture.tokensRead[k] / total : 0)} of the tokens (${s.data})`);
    }
  }
  if (r.instruct) {
    lines.push(
      `Template     ${r.instruct.template.source}${r.instruct.template.fallback ? ':' : ''}`,
      ...(r.instruct.template.fallback ? r.instruct.template.text.split('\n').map((l) => `               ${l}`) : []),
      `Examples     ${r.instruct.examples.toLocaleString('en-US')} (${r.instruct.responseTokens.toLocaleString('en-US')} of ${r.instruct.tokens.toLocaleString('en-US')} tokens are responses; ${r.instruct.truncated} cut, ${r.instruct.dropped} left out)`,
    );
  }
  for (const e of r.evals.filter((x) => x.step === r.steps)) {
    const before = r.evals.find((b) => b.step === 0 && b.name === e.name);
    lines.push(`Held-out     ${e.name}: perplexity ${before ? `${before.perplexity.toFixed(3)} -> ` : ''}${e.perplexity.toFixed(3)}`);
  }
  const moved = r.updates.filter((u) => u.layer !== null);
  if (moved.length) {
    const top = [...moved].sort((a, b) => b.relative - a.relative).slice(0, 3);
    lines.push(
      `Changed most ${top.map((u) => `block ${u.layer} ${pct(u.relative)}${u.effectiveRank === undefined ? '' : ` (effective rank ${u.effectiveRank.toFixed(2)})`}`).join(', ')}`,
    );
  }
  lines.push(`Model        ${r.out}`);
  if (r.adapterDir) lines.push(`Adapter      ${r.adapterDir} (PEFT; slayer export ${r.out} --format peft)`);
  return lines.join('\n');
}
