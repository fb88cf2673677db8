/**
 * A minimal YAML writer for the flat documents export writes (trainer configs, model-card front
 * matter): top-level keys with a scalar, a list of scalars, or a list of flat mappings, plus
 * comments. No YAML library is installed, and these documents need nothing more.
 *
 * Strings that could be read as anything but a string are double-quoted with JSON escapes (valid
 * YAML 1.2 and 1.1). Floats always carry a decimal point and a signed exponent (1.0e-8): PyYAML,
 * which LLaMA-Factory and Axolotl use, reads "1e-8" as a string.
 */

export class YamlFloat {
  constructor(readonly value: number) {}
}

export const float = (value: number): YamlFloat => new YamlFloat(value);

export type YamlScalar = string | number | boolean | YamlFloat;

export type YamlNode =
  | { comment: string }
  | { blank: true }
  | { key: string; value: YamlScalar; comment?: string }
  | { key: string; list: YamlScalar[]; comment?: string }
  | { key: string; mappings: Record<string, YamlScalar>[]; comment?: string };

const PLAIN = /^[A-Za-z_][A-Za-z0-9_./+-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|y|n)$/i;

export function yamlScalar(v: YamlScalar): string {
  if (v instanceof YamlFloat) return formatFloat(v.value);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return formatFloat(v);
    return String(v);
  }
  return PLAIN.test(v) && !RESERVED.test(v) ? v : JSON.stringify(v);
}

function formatFloat(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`Cannot write ${x} as a YAML float.`);
  const s = String(x);
  if (!s.includes('e')) return s.includes('.') ? s : `${s}.0`;
  const [mantissa, exponent] = s.split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}e${/^[+-]/.test(exponent) ? exponent : `+${exponent}`}`;
}

export function toYaml(nodes: readonly YamlNode[]): string {
  const lines: string[] = [];
  const trailing = (comment?: string) => (comment ? `  # ${comment}` : '');
  for (const n of nodes) {
    if ('blank' in n) lines.push('');
    else if ('comment' in n && !('key' in n)) lines.push(n.comment === '' ? '#' : `# ${n.comment}`);
    else if ('value' in n) lines.push(`${n.key}: ${yamlScalar(n.value)}${trailing(n.comment)}`);
    else if ('list' in n) {
      lines.push(`${n.key}:${trailing(n.comment)}`);
      for (const item of n.list) lines.push(`  - ${yamlScalar(item)}`);
    } else {
      lines.push(`${n.key}:${trailing(n.comment)}`);
      for (const mapping of n.mappings) {
        Object.entries(mapping).forEach(([k, v], i) => lines.push(`${i === 0 ? '  - ' : '    '}${k}: ${yamlScalar(v)}`));
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
