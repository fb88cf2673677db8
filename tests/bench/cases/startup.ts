/**
 * Start-up time of the shipped Node entries, as a user runs them: `slayer --version`,
 * `slayer --help` and `slayer inspect` on the bundled demo model through bin/slayer.js (the
 * built out/main/cli.js), and browser mode (bin/serve.js) until it prints its address; each
 * also from the TypeScript sources through tsx, the way they ran before they were built, and a
 * bare `node -e 0` for the floor this machine sets. Hyperfine-style: warm-up runs, then repeated
 * runs reported as median, mean, standard deviation, min and max, with the load average.
 * Goals: `slayer --version` under 0.3 s and `slayer inspect` under 0.6 s (medians, built).
 * Builds first (`npm run build`) when out/ is older than the sources.
 */
import { spawn, execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { builtIsCurrent } from '../../../bin/entry.js';
import { tempDir } from '../../helpers/tmp.js';
import { runMeasured } from '../measure.js';

const ROOT = process.cwd();
const DEMO_MODEL = join('resources', 'demo', 'model');
const WARMUP = 2;
const RUNS = 15;
const SOURCE_RUNS = 5;
const GOALS = { version: 0.3, inspect: 0.6 };

interface Timing {
  runs: number;
  medianSeconds: number;
  meanSeconds: number;
  stddevSeconds: number;
  minSeconds: number;
  maxSeconds: number;
  peakRssBytes?: number;
}

function summarise(seconds: number[], peakRssBytes?: number): Timing {
  const sorted = [...seconds].sort((a, b) => a - b);
  const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
  const variance = seconds.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, seconds.length - 1);
  const mid = sorted.length >> 1;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    runs: seconds.length,
    medianSeconds: round(sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2),
    meanSeconds: round(mean),
    stddevSeconds: round(Math.sqrt(variance)),
    minSeconds: round(sorted[0]),
    maxSeconds: round(sorted.at(-1)!),
    ...(peakRssBytes === undefined ? {} : { peakRssBytes }),
  };
}

/** A command run to completion `runs` times after the warm-up; a failed run stops the case with its stderr. */
async function timeCommand(args: string[], runs: number): Promise<Timing> {
  const seconds: number[] = [];
  let peak = 0;
  for (let i = 0; i < WARMUP + runs; i++) {
    const r = await runMeasured(process.execPath, args);
    if (r.code !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.code}: ${r.stderr.trim().split('\n').at(-1)}`);
    if (i >= WARMUP) {
      seconds.push(r.seconds);
      peak = Math.max(peak, r.peakRssBytes);
    }
  }
  return summarise(seconds, peak);
}

/** Browser mode from launch until it prints its address (then it is stopped), `runs` times after the warm-up. */
async function timeServe(args: string[], runs: number): Promise<Timing> {
  const t = await tempDir('slayer-bench-startup-');
  try {
    const seconds: number[] = [];
    for (let i = 0; i < WARMUP + runs; i++) {
      const started = performance.now();
      const child = spawn(process.execPath, [...args, '--port', '0', '--home', join(t.dir, `home-${i}`)], { stdio: ['ignore', 'pipe', 'pipe'] });
      await new Promise<void>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout.on('data', (c) => {
          out += c;
          if (/http:\/\/127\.0\.0\.1:\d+\/\?token=/.test(out)) resolve();
        });
        child.stderr.on('data', (c) => (err += c));
        child.on('exit', (code) => reject(new Error(`serve exited with ${code} before listening: ${err.trim()}`)));
      });
      if (i >= WARMUP) seconds.push((performance.now() - started) / 1000);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    return summarise(seconds);
  } finally {
    await t.cleanup();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  if (!builtIsCurrent(ROOT, 'out/main/cli.js') || !builtIsCurrent(ROOT, 'out/main/serve.js')) {
    process.stderr.write('bench startup: out/ is older than the sources; building (npm run build)...\n');
    execFileSync('npm', ['run', 'build'], { stdio: ['ignore', 2, 2] });
  }
  const loadBefore = loadavg();
  const built = {
    version: await timeCommand(['bin/slayer.js', '--version'], RUNS),
    help: await timeCommand(['bin/slayer.js', '--help'], RUNS),
    inspect: await timeCommand(['bin/slayer.js', 'inspect', DEMO_MODEL, '--json'], RUNS),
    serve: await timeServe(['bin/serve.js'], 5),
  };
  const fromSources = {
    version: await timeCommand(['--import', 'tsx', 'src/cli/slayer.ts', '--version'], SOURCE_RUNS),
    inspect: await timeCommand(['--import', 'tsx', 'src/cli/slayer.ts', 'inspect', DEMO_MODEL, '--json'], SOURCE_RUNS),
    serve: await timeServe(['--import', 'tsx', 'src/main/server/serve-main.ts'], 3),
  };
  const bareNode = await timeCommand(['-e', '0'], RUNS);
  return {
    built,
    fromSources,
    bareNode,
    goals: {
      versionUnderSeconds: GOALS.version,
      versionMet: built.version.medianSeconds < GOALS.version,
      inspectUnderSeconds: GOALS.inspect,
      inspectMet: built.inspect.medianSeconds < GOALS.inspect,
    },
    loadAverage: { before: loadBefore.map((x) => Math.round(x * 100) / 100), after: loadavg().map((x) => Math.round(x * 100) / 100) },
  };
}
