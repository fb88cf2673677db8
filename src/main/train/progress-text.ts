/** The progress line of a training run: step, loss, speed, time spent and time left. */

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

export function stepMessage(p: { step: number; steps: number; loss: number; tokensPerSecond: number; elapsed: number; remaining: number }): string {
  return `Step ${p.step}/${p.steps}  loss ${p.loss.toFixed(4)}  ${Math.round(p.tokensPerSecond)} tokens/s  ${formatDuration(p.elapsed)} elapsed, about ${formatDuration(p.remaining)} left`;
}
