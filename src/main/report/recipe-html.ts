/**
 * The training recipe's part of report.html: each domain of a mixed corpus on its own, the
 * mixture and its replay share, and how much each layer changed in each run (with LoRA's
 * effective ranks).
 */
import type { RunReport } from '../../shared/report.js';
import { effectiveRankOption, layerUpdatesOption, mixtureOption } from '../../shared/recipe-charts.js';

export function recipeSections(
  r: RunReport,
  svg: (option: Record<string, unknown>, width?: number, height?: number) => string,
  esc: (s: string) => string,
): string {
  const num = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
  const parts: string[] = [];
  const mixture = r.data.mixture;
  if (mixture) {
    parts.push(
      '<h2>Training data mixture</h2>',
      '<table><thead><tr><th>source</th><th>weight</th><th>share of every step</th><th>training tokens</th></tr></thead><tbody>',
      ...mixture.sources.map(
        (s) =>
          `<tr><th>${esc(s.name)} <span class="muted"><code>${esc(s.data)}</code></span></th><td>${s.weight}</td><td>${(100 * s.share).toFixed(1)} %</td><td>${s.trainTokens.toLocaleString('en-US')}</td></tr>`,
      ),
      ...(mixture.replay
        ? [
            `<tr><th>general text (replay)</th><td>—</td><td>${(100 * mixture.replay.share).toFixed(1)} %</td><td>${mixture.replay.trainTokens.toLocaleString('en-US')}</td></tr>`,
          ]
        : []),
      '</tbody></table>',
      `<div>${svg(mixtureOption(mixture), 900, 220)}</div>`,
    );
  }
  const domains = r.before.domains;
  if (domains && domains.length > 1) {
    const header = domains.map((d) => `<th>${esc(d.name)} perplexity</th>`).join('');
    const row = (label: string, list: typeof domains) =>
      `<tr><th>${esc(label)}</th>${(list ?? []).map((d) => `<td>${num(d.perplexity.perplexity)}</td>`).join('')}</tr>`;
    parts.push(
      '<h2>Each domain</h2>',
      `<table><thead><tr><th>model</th>${header}</tr></thead><tbody>`,
      row('base model', domains),
      ...r.runs.map((run) => row(run.label, run.after.domains ?? [])),
      '</tbody></table>',
    );
  }
  const updated = r.runs.filter((run) => run.updates?.length);
  if (updated.length) {
    const layers = Math.max(...updated.map((run) => run.counts.layers));
    const lora = updated.filter((run) => run.lora);
    parts.push(
      '<h2>How much each layer changed</h2>',
      '<p class="muted">Frobenius norm of each trained block\'s update over the norm of its starting weights (LoRA: of the merged update (alpha/r) B A); blocks that did not train have no bar. Layer indices are those of each run\'s own model.</p>',
      `<div>${svg(
        layerUpdatesOption(
          updated.map((run) => ({ label: run.label, updates: run.updates! })),
          layers,
        ),
        900,
        340,
      )}</div>`,
      ...(lora.length
        ? [
            `<div>${svg(
              effectiveRankOption(
                lora.map((run) => ({ label: run.label, updates: run.updates!, rank: run.lora!.rank })),
                layers,
              ),
              900,
              300,
            )}</div>`,
          ]
        : []),
      ...lora.map(
        (run) =>
          `<p class="muted">${esc(run.label)}: rank ${run.lora!.rank}, alpha ${run.lora!.alpha}, on ${esc(run.lora!.targets.join(', '))}; ${run.counts.trainableParameters.toLocaleString('en-US')} trainable values against the S run's ${run.lora!.budgetParameters.toLocaleString('en-US')}${run.lora!.budgetMatched ? ' (matched)' : ' (not matched: the rank is capped by the narrowest adapted weight, or was set by hand)'}.</p>`,
      ),
    );
  }
  return parts.join('\n');
}
