/**
 * report.html: one self-contained page (no scripts, no network) with the report's findings,
 * tables and charts. Charts are the Evaluate step's ECharts options rendered to static SVG
 * with ECharts' server-side renderer.
 */
import * as echarts from 'echarts';
import type { Measurement, RunReport } from '../../shared/report.js';
import { formatBytes } from '../../shared/units.js';
import { gainVersusForgettingOption, layerScoresOption, perplexityOption, trainingLossOption } from '../../shared/report-charts.js';
import { recipeSections } from './recipe-html.js';
import { GLOSSARY, GLOSSARY_TERMS, perplexityMeaning } from '../../shared/glossary.js';
import { DEFAULT_FORGETTING_THRESHOLD } from '../../shared/report-findings.js';
import type { MeanSd } from '../../shared/report-variance.js';

function svg(option: Record<string, unknown>, width = 640, height = 340): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption(option);
  const out = chart.renderToSVGString();
  chart.dispose();
  return out;
}

/** The Evaluate step's lines for one trained model against the base (src/shared/glossary.ts), at the default forgetting limit. */
function meaning(before: Measurement, after: Measurement): string {
  const domain = perplexityMeaning('domain', before.domain.perplexity, after.domain.perplexity, DEFAULT_FORGETTING_THRESHOLD);
  return `${domain} ${perplexityMeaning('general', before.general.perplexity, after.general.perplexity, DEFAULT_FORGETTING_THRESHOLD)}`;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const num = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const pct = (x: number | undefined) => (x === undefined ? '—' : `${(x * 100).toFixed(1)} %`);

function measurementRow(label: string, m: Measurement): string {
  return `<tr><th>${esc(label)}</th><td>${num(m.domain.perplexity)}</td><td>${num(m.general.perplexity)}</td><td>${pct(m.domainQa?.accuracy)}</td><td>${pct(m.domainQa?.accuracyNorm)}</td><td>${pct(m.generalQa?.accuracy)}</td><td>${pct(m.generalQa?.accuracyNorm)}</td></tr>`;
}

/** Several seeds: each strategy's mean ± standard deviation and every seed's value (the table above shows the first seed). */
function seedsSection(r: RunReport): string {
  const spread = r.runs.filter((run) => run.spread);
  if (!spread.length) return '';
  const pm = (m: MeanSd) => `${num(m.mean)} ± ${num(m.sd)}`;
  const rows = spread
    .map((run) => {
      const s = run.spread!;
      return `<tr><th>${esc(run.label)}</th><td>${s.seeds.join(', ')}</td><td>${pm(s.domain)}</td><td>${s.domain.values.map((v) => num(v)).join(', ')}</td><td>${pm(s.general)}</td><td>${s.general.values.map((v) => num(v)).join(', ')}</td></tr>`;
    })
    .join('\n');
  return `<h3>Across seeds (mean ± standard deviation)</h3>
<p class="muted">Each strategy trained ${spread[0].spread!.seeds.length} times with the seeds listed; the rows above are the first seed. A difference counts as real only when the difference of the means exceeds the sum of the two standard deviations.</p>
<table><thead><tr><th>model</th><th>seeds</th><th>domain perplexity</th><th>per seed</th><th>general perplexity</th><th>per seed</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

export function renderReportHtml(r: RunReport): string {
  const runs = r.runs
    .map(
      (run) =>
        `<tr><th>${esc(run.label)}</th><td>${run.counts.layers}</td><td>${(run.counts.parameters / 1e6).toFixed(2)} M</td><td>${(run.counts.trainableParameters / 1e6).toFixed(2)} M</td><td>${esc(run.trainableLayers.join(', '))}</td><td>${esc(run.removedLayers.join(', ') || '—')}</td><td>${run.training.steps}</td><td>${num(run.training.tokensPerSecond, 0)}</td><td>${num(run.training.seconds, 1)} s</td></tr>`,
    )
    .join('\n');
  const timings = Object.entries(r.timings)
    .map(
      ([k, v]) => `<tr><th>${esc(k)}</th><td>${num(v, 1)} s${r.reused.includes(k) ? ' <span class="muted">(reused from an earlier run)</span>' : ''}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SLayer Studio report — ${esc(r.domain)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>
body{font:14px/1.5 system-ui,sans-serif;max-width:1100px;margin:32px auto;padding:0 24px;color:#1b1f24}
h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;margin:32px 0 8px}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{padding:5px 10px;border-bottom:1px solid #dde1e6;text-align:right}
th:first-child{text-align:left}thead th{background:#f0f2f5}
.muted{color:#5b6470}.findings li{margin:4px 0}.glossary dt{font-weight:600;margin-top:8px}.glossary dd{margin:2px 0 0}.charts{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.charts>div{border:1px solid #dde1e6;border-radius:8px;padding:8px;overflow:hidden}svg{max-width:100%;height:auto}
code{font:12.5px ui-monospace,monospace;background:#f0f2f5;padding:1px 4px;border-radius:4px}
</style></head><body>
<h1>Knowledge injection report — ${esc(r.domain)}</h1>
<p class="muted">${esc(r.createdAt)} · model <code>${esc(r.model.dir)}</code> (${esc(r.model.architecture)}, ${r.model.layers} layers, ${(r.model.parameters / 1e6).toFixed(2)} M parameters, sha256 ${esc(r.model.sourceHash.slice(0, 16))}…)</p>
<h2>Findings</h2><ul class="findings">${r.findings.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>
<h2>Before and after</h2>
<table><thead><tr><th>model</th><th>domain perplexity</th><th>general perplexity</th><th>domain QA</th><th>domain QA (norm.)</th><th>general QA</th><th>general QA (norm.)</th></tr></thead><tbody>
${measurementRow('base model', r.before)}
${r.runs
  .filter((run) => run.built && !run.builtIsBase)
  .map((run) => measurementRow(`${run.label}, built, before training`, run.built!))
  .join('\n')}
${r.runs.map((run) => measurementRow(run.label, run.after)).join('\n')}
</tbody></table>
${seedsSection(r)}
<h3>What this means for you</h3><ul class="findings">${r.runs.map((run) => `<li><strong>${esc(run.label)}:</strong> ${esc(meaning(r.before, run.after))}</li>`).join('')}</ul>
<div class="charts">
<div>${svg(perplexityOption(r))}</div>
<div>${svg(gainVersusForgettingOption(r))}</div>
<div>${svg(layerScoresOption(r.scores.domain, r.scores.general))}</div>
<div>${svg(trainingLossOption(r))}</div>
</div>
${recipeSections(r, svg, esc)}
<h2>Plans and training</h2>
<table><thead><tr><th>strategy</th><th>layers</th><th>parameters</th><th>trainable</th><th>trained layers (0-based, resulting model)</th><th>removed (original)</th><th>steps</th><th>tokens/s</th><th>time</th></tr></thead><tbody>
${runs}
</tbody></table>
${r.runs
  .filter((run) => run.planNotes?.length)
  .map(
    (run) =>
      `<p><strong>${esc(run.label)}${run.pruneBy && run.removedLayers.length ? ` (prune rule: ${esc(run.pruneBy)})` : ''}</strong></p><ul>${run.planNotes!.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`,
  )
  .join('\n')}
<h2>Exports of the S model</h2>
<table><thead><tr><th>format</th><th>path</th><th>size</th><th>read back</th></tr></thead><tbody>
${r.exports.map((e) => `<tr><th>${esc(e.format)}</th><td><code>${esc(e.path)}</code></td><td>${formatBytes(e.bytes)}</td><td>${esc(e.check)}</td></tr>`).join('\n')}
</tbody></table>
<h2>Glossary</h2><dl class="glossary">${GLOSSARY_TERMS.map((t) => `<dt>${esc(GLOSSARY[t].name)}</dt><dd>${esc(GLOSSARY[t].what)} <strong>What it means for you:</strong> ${esc(GLOSSARY[t].forYou)}</dd>`).join('')}</dl>
<h2>Reproduce</h2>
<table><tbody>
<tr><th>domain data</th><td><code>${esc(r.data.domain)}</code></td></tr>
<tr><th>domain data hash</th><td><code>${esc(r.before.domain.dataHash)}</code></td></tr>
<tr><th>general data</th><td><code>${esc(r.data.general)}</code></td></tr>
<tr><th>general data hash</th><td><code>${esc(r.before.general.dataHash)}</code></td></tr>
<tr><th>sequence length · seed</th><td>${r.data.seqLen} · ${r.data.seed}</td></tr>
<tr><th>layer scores</th><td>${r.scores.domain.samples} samples × ${r.scores.domain.seqLen} tokens, data hash <code>${esc(r.scores.domain.dataHash)}</code></td></tr>
</tbody></table>
<h2>Timings</h2><table><tbody>${timings}</tbody></table>
</body></html>
`;
}
