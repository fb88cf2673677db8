/**
 * Where everything lives in a project folder: one layout for the wizard, `slayer run`, the
 * compute jobs and the reports, so that the same stage writes the same folder whoever starts it.
 *
 *   project.json            name, field, model                      (the project store)
 *   settings.json           the choices the wizard and run share    (project-settings.ts)
 *   plan.json               the plan the Plan step saved
 *   corpus/                 the built corpus (corpus.json; token cache in cache/)
 *   stages/<stage>.json     each pipeline stage's inputs hash, output and artifact checksums
 *   plans/<strategy>.json   the plan each strategy's model was built from
 *   models/<strategy>-expanded, models/<strategy>-trained
 *   exports/                GGUF, Hugging Face folder, cluster hand-offs
 *   report.json, report.html
 *   metrics.jsonl           every training job's metrics, appended
 *
 * Paths are joined with "/" (the renderer has no path module); Node accepts them on every OS.
 */
export const PROJECT_FILE = 'project.json';
export const SETTINGS_FILE = 'settings.json';
export const PLAN_FILE = 'plan.json';
export const CORPUS_FOLDER = 'corpus';
export const CACHE_FOLDER = 'cache';
export const STAGES_FOLDER = 'stages';
export const EXPORTS_FOLDER = 'exports';
export const REPORT_JSON = 'report.json';
export const REPORT_HTML = 'report.html';
export const METRICS_FILE = 'metrics.jsonl';

/** `dir` joined with a relative `name` (which may hold '/'), using the separator `dir` uses. */
export function joinPath(dir: string, name: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return `${dir.replace(/[\\/]+$/, '')}${sep}${name.replace(/^[\\/]+/, '').replace(/[\\/]/g, sep)}`;
}

export const planFileOf = (strategy: string) => `plans/${strategy}.json`;
export const expandedModelOf = (strategy: string) => `models/${strategy}-expanded`;
export const trainedModelOf = (strategy: string) => `models/${strategy}-trained`;
