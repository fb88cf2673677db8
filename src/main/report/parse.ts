/** Checks that a report sent by the renderer has the shape report.html needs, before writing it. */
import { UserError } from '../../shared/errors.js';
import { REPORT_VERSION, type RunReport } from '../../shared/report.js';

export function parseRunReport(value: unknown): RunReport {
  const r = value as Partial<RunReport> | null;
  const ok =
    r !== null &&
    typeof r === 'object' &&
    r.version === REPORT_VERSION &&
    typeof r.domain === 'string' &&
    typeof r.before?.domain?.perplexity === 'number' &&
    typeof r.before?.general?.perplexity === 'number' &&
    Array.isArray(r.runs) &&
    r.runs.every((run) => typeof run?.after?.domain?.perplexity === 'number' && typeof run?.label === 'string' && Array.isArray(run?.training?.losses)) &&
    typeof r.scores?.domain === 'object' &&
    Array.isArray(r.findings) &&
    Array.isArray(r.reused) &&
    Array.isArray(r.exports);
  if (!ok) throw new UserError(`This is not a version-${REPORT_VERSION} SLayer Studio report; evaluate the model again to make one.`);
  return r as RunReport;
}
