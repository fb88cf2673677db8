/** The times the Welcome screen shows: the demo's first analysis, and an analysis per billion parameters. */
import { join } from 'node:path';
import { ANALYZE_DEFAULTS, type MachineSpeed, type WelcomeEstimates } from '../../shared/job-estimate.js';
import { estimateJob, jobTime, type Statfs } from '../estimate/index.js';
import { demoRoot } from '../pipeline/demo.js';

export async function welcomeEstimates(speed: MachineSpeed, statfs?: Statfs): Promise<WelcomeEstimates> {
  const demoAnalyze = await estimateJob('score', { modelDir: join(demoRoot(), 'model'), ...ANALYZE_DEFAULTS }, speed, statfs);
  // One billion parameters times the Analyze step's default sample of tokens (work.ts scoreWork).
  const perBillion = jobTime('score', { forward: 1e9 * ANALYZE_DEFAULTS.samples * ANALYZE_DEFAULTS.seqLen, train: 0, bytes: 0 }, speed, 'auto');
  return { demoAnalyze, analyzeSecondsPerBillion: perBillion.seconds };
}
