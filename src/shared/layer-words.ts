/** Layer indices in words, the same in plan notes (main) and the wizard's readings (renderer). Pure. */

/** "layer 3", "layers 0-2", "layers 1, 4 and 6-7": runs of consecutive indices joined. */
export function layerList(indices: readonly number[]): string {
  const sorted = [...indices].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    runs.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  const words = runs.length > 1 ? `${runs.slice(0, -1).join(', ')} and ${runs[runs.length - 1]}` : runs[0];
  return `${sorted.length === 1 ? 'layer' : 'layers'} ${words}`;
}
