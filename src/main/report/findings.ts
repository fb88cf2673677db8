/** The report's findings live in src/shared so the Evaluate step shows the same warnings; main re-exports them. */
export { DEFAULT_FORGETTING_THRESHOLD, reportFindings } from '../../shared/report-findings.js';
