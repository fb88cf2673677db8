/** Path pieces for display and defaults, for paths of the machine that runs the compute (either separator). */
export function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

export function parentOf(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const cut = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return cut <= 0 ? trimmed.slice(0, cut + 1) || trimmed : trimmed.slice(0, cut);
}

export { joinPath } from '../../shared/project-layout';
