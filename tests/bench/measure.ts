/**
 * Child processes measured as a user would run them: wall time and peak resident memory. The
 * peak is GNU time's maximum RSS when /usr/bin/time exists (exact), else the kernel's high-water
 * mark (VmHWM) sampled every 50 ms.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface ChildRun {
  stdout: string;
  stderr: string;
  code: number | null;
  peakRssBytes: number;
  seconds: number;
}

const GNU_TIME = '/usr/bin/time';
const MARK = 'SLAYER_BENCH_MAXRSS_KB=';

export function runMeasured(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ChildRun> {
  const timed = existsSync(GNU_TIME);
  const [cmd, argv] = timed ? [GNU_TIME, ['-f', `${MARK}%M`, command, ...args]] : [command, args];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    let sampled = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const sample = timed
      ? null
      : setInterval(async () => {
          const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
          const kb = /VmHWM:\s+(\d+) kB/.exec(status);
          if (kb) sampled = Math.max(sampled, Number(kb[1]) * 1024);
        }, 50);
    child.on('error', reject);
    child.on('close', (code) => {
      if (sample) clearInterval(sample);
      const mark = stderr.lastIndexOf(MARK);
      const peakRssBytes = mark >= 0 ? Number(stderr.slice(mark + MARK.length).trim()) * 1024 : sampled;
      // GNU time adds "Command exited with non-zero status N" before its own line: not the command's words.
      if (mark >= 0) stderr = stderr.slice(0, mark).replace(/Command exited with non-zero status \d+\n$/, '');
      resolve({ stdout, stderr, code, peakRssBytes, seconds: (performance.now() - started) / 1000 });
    });
  });
}
