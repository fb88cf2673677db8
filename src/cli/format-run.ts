/** Plain-text summary of a pipeline run for `slayer run` and `slayer demo`. */
import type { RunResult } from '../main/pipeline/run.js';

export function formatRunResult(r: RunResult): string {
  const rep = r.reportJson;
  const row = (label: string, m: typeof rep.before) =>
    `${label.padEnd(24)}${m.domain.perplexity.toFixed(2).padStart(12)}${m.general.perplexity.toFixed(2).padStart(12)}${(m.domainQa ? `${(m.domainQa.accuracy * 100).toFixed(1)} %` : '—').padStart(12)}`;
  return [
    `${'model'.padEnd(24)}${'domain ppl'.padStart(12)}${'general ppl'.padStart(12)}${'domain QA'.padStart(12)}`,
    row('base', rep.before),
    ...rep.runs.flatMap((run) => [
      ...(run.built && !run.builtIsBase ? [row(`${run.label}, built`, run.built)] : []),
      row(run.label, run.after),
      ...(run.seedRuns ?? []).map((extra) => row(`${run.label}, seed ${extra.seed}`, extra.after)),
    ]),
    '',
    ...rep.findings,
    '',
    r.reusedStages.length ? `Reused unchanged stages: ${r.reusedStages.join(', ')}` : '',
    `Report: ${r.reportHtml}`,
  ]
    .filter((l, i, a) => l !== '' || a[i - 1] !== '')
    .join('\n');
}
