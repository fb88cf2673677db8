/** Human-readable numbers for the UI. */
export { formatBytes } from '../../shared/units';

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatTime(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '';
}

/** Parameter counts the way people say them, to three significant digits: 6.74 B, 202 M, 98.3 K. */
export function formatCount(n: number): string {
  // Round first, so 999.6 M reads "1.00 B" rather than "1000 M".
  const rounded = Number(n.toPrecision(3));
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  const unit = units.find(([scale]) => Math.abs(rounded) >= scale);
  if (!unit) return String(rounded);
  const v = rounded / unit[0];
  return `${v.toFixed(Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2)} ${unit[1]}`;
}
