/** A single-line progress display on stderr; plain lines when stderr is not a terminal. */
import type { ProgressUpdate } from '../shared/progress.js';

export function createProgressBar(stream: NodeJS.WriteStream = process.stderr): {
  update: (p: ProgressUpdate) => void;
  done: () => void;
} {
  const tty = Boolean(stream.isTTY);
  let lastLine = '';
  let lastPrinted = 0;
  let active = false;
  return {
    update(p) {
      const pct =
        p.fraction === null
          ? ''
          : `${Math.round(p.fraction * 100)
              .toString()
              .padStart(3)}% `;
      if (tty) {
        const width = 24;
        const filled = p.fraction === null ? 0 : Math.round(p.fraction * width);
        const bar = p.fraction === null ? '' : `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] `;
        const line = `${bar}${pct}${p.message}`.slice(0, (stream.columns ?? 100) - 1);
        stream.write(`\r${line.padEnd(lastLine.length)}`);
        lastLine = line;
        active = true;
      } else {
        // Non-interactive logs: at most one line per second, plus every message change.
        const now = Date.now();
        const line = `${pct}${p.message}`;
        if (line !== lastLine && (now - lastPrinted > 1000 || !line.startsWith(lastLine.slice(0, 5)))) {
          stream.write(`${line}\n`);
          lastPrinted = now;
          lastLine = line;
        }
      }
    },
    done() {
      if (tty && active) stream.write(`\r${' '.repeat(lastLine.length)}\r`);
      active = false;
      lastLine = '';
    },
  };
}
