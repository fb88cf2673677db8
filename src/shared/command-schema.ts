/**
 * One schema per command. A command's options are the fields of one zod object, the same object
 * the compute job validates its parameters with; each field is declared once with its type,
 * range and default, and carries how the `slayer` command line spells it (flag, value
 * placeholder, one-line description). From that object come the CLI parser's options
 * (node:util parseArgs), `slayer <command> --help`, the job schema, the app's form defaults and
 * the equivalent command line the app shows.
 */
import { z } from 'zod';
import { UserError } from './errors.js';

/** How one field is spelled on the command line. */
export interface FlagInfo {
  /** The flag without its dashes, e.g. "seq-len". */
  flag: string;
  /** One line for --help. */
  description: string;
  /** Placeholder for the value in --help (N, X, DIR, ...); booleans and switches have none. */
  value?: string;
  /** The flag may be given several times (an array field). */
  multiple?: boolean;
  /** A boolean flag that sets the field to false (--no-shuffle for shuffle). */
  negates?: boolean;
  /** The default in words, where the schema holds none (it depends on the model or the data). */
  defaultText?: string;
  /** Reads one given value when the field's type alone cannot (sizes, source specs, index lists). */
  parse?: (raw: string) => unknown;
  /** Writes one value back as the flag's text (the inverse of `parse`). */
  show?: (value: unknown) => string;
}

/** Field schema -> its flag. A field without an entry is not a flag (a positional, or set by the command). */
export const flags = z.registry<FlagInfo>();

/**
 * A copy of `schema`, registered as the flag `info` describes (a copy, so a schema shared by
 * several commands carries each command's own description). Apply it last, after .optional() or
 * .default().
 */
export function flag<T extends z.ZodType>(schema: T, info: FlagInfo): T {
  const copy = schema.clone() as T;
  flags.add(copy, info);
  return copy;
}

/**
 * `schema` spelled on the command line as `like` is: for a job that takes a flag's field with
 * another type (required where the command leaves it optional).
 */
export function sameFlag<T extends z.ZodType>(schema: T, like: z.ZodType): T {
  const info = flags.get(like);
  if (!info) throw new Error('sameFlag: the field is not a flag');
  return flag(schema, info);
}

type Values = Record<string, string | boolean | string[] | undefined>;
type Shape = Record<string, z.ZodType>;
type Def = { type: string; innerType?: z.ZodType; defaultValue?: unknown; element?: z.ZodType; shape?: Shape };
const def = (s: z.ZodType) => s._zod.def as unknown as Def;

/** The type under optional/default/nullable wrappers. */
function base(s: z.ZodType): z.ZodType {
  let t = s;
  while (['optional', 'default', 'nullable', 'prefault'].includes(def(t).type)) t = def(t).innerType!;
  return t;
}

/** The field's default value, if its schema has one. */
export function defaultOf(s: z.ZodType): unknown {
  for (let t = s; ; t = def(t).innerType!) {
    const d = def(t);
    if (d.type === 'default') return typeof d.defaultValue === 'function' ? (d.defaultValue as () => unknown)() : d.defaultValue;
    if (!['optional', 'nullable', 'prefault'].includes(d.type)) return undefined;
  }
}

/** A field that is a switch with options of its own (--lora with --lora-rank, ...). */
const subShape = (s: z.ZodType): Shape | null => (def(base(s)).type === 'object' ? def(base(s)).shape! : null);

interface FlagField {
  key: string;
  path: string[];
  schema: z.ZodType;
  info: FlagInfo;
  /** The switch this option belongs to, if any. */
  parent: FlagField | null;
}

/** Every flag of a schema, switches followed by their own options. */
export function flagFields(schema: z.ZodObject, parent: FlagField | null = null): FlagField[] {
  const out: FlagField[] = [];
  for (const [key, field] of Object.entries(schema.shape as Shape)) {
    const info = flags.get(field);
    if (!info) continue;
    const f: FlagField = { key, path: [...(parent?.path ?? []), key], schema: field, info, parent };
    out.push(f);
    const sub = subShape(field);
    if (sub) out.push(...flagFields(z.object(sub), f));
  }
  return out;
}

const isBooleanFlag = (f: FlagField) => def(base(f.schema)).type === 'boolean' || subShape(f.schema) !== null;

/** The node:util parseArgs options of a schema. */
export function parseArgsOptions(schema: z.ZodObject): Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> {
  return Object.fromEntries(
    flagFields(schema).map((f) => [
      f.info.flag,
      isBooleanFlag(f) ? { type: 'boolean' as const } : { type: 'string' as const, ...(f.info.multiple ? { multiple: true } : {}) },
    ]),
  );
}

/** Each flag as help shows it: the flag and its value (`head`), the description and the default in words. */
function optionRows(schema: z.ZodObject): { head: string; nested: boolean; text: string }[] {
  return flagFields(schema).map((f) => {
    const d = f.info.defaultText ?? shownDefault(f);
    return {
      head: `--${f.info.flag}${isBooleanFlag(f) ? '' : ` ${f.info.value ?? 'VALUE'}`}`,
      nested: f.parent !== null,
      text: `${f.info.description}${d === undefined ? '' : ` (default: ${d})`}`,
    };
  });
}

/** One --help line per flag: the flag and its value, the description, and the default. */
export function helpLines(schema: z.ZodObject): string[] {
  const rows = optionRows(schema).map((r) => ({ ...r, head: `${r.nested ? '  ' : ''}${r.head}` }));
  const width = Math.max(...rows.map((r) => r.head.length));
  return rows.map((r) => `  ${r.head.padEnd(width)}  ${r.text}`);
}

/** The options as a Markdown list, for docs/cli.md (`npm run docs:cli` writes it; a test checks it). */
export function optionList(schema: z.ZodObject): string[] {
  return optionRows(schema).map((r) => `${r.nested ? '  ' : ''}- \`${r.head}\`: ${r.text}`);
}

function shownDefault(f: FlagField): string | undefined {
  const d = defaultOf(f.schema);
  if (d === undefined || d === null || typeof d === 'boolean') return undefined;
  if (Array.isArray(d)) return d.length ? d.join(',') : undefined;
  return String(d);
}

/** Reads one given text as the field's type; zod then checks it. */
function readText(f: FlagField, raw: string): unknown {
  if (f.info.parse) return f.info.parse(raw);
  const t = base(f.schema);
  const kind = def(t).type;
  const element = kind === 'array' ? def(base(def(t).element!)).type : null;
  if (kind === 'number') return raw.trim() === '' ? NaN : Number(raw);
  if (kind === 'array' && !f.info.multiple) return raw.split(',').map((p) => (element === 'number' ? (p.trim() === '' ? NaN : Number(p)) : p.trim()));
  if (kind === 'array' && element === 'number') return raw.trim() === '' ? NaN : Number(raw);
  return raw;
}

/**
 * The parameters the command line gives: each flag read as its field's type, `given` (what the
 * command sets itself, e.g. the model folder) added, and the whole checked by the schema. A bad
 * value is refused in one line that names the flag.
 */
export function parseFlags<S extends z.ZodObject>(schema: S, values: Values, given: Record<string, unknown>, usage: string): z.output<S> {
  const fields = flagFields(schema);
  const raw: Record<string, unknown> = {};
  const setAt = (path: string[], value: unknown) => {
    let o = raw;
    for (const k of path.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[path.at(-1)!] = value;
  };
  for (const f of fields) {
    const v = values[f.info.flag];
    if (v === undefined) continue;
    if (f.parent && values[f.parent.info.flag] !== true) throw new UserError(`--${f.info.flag} needs --${f.parent.info.flag} (${f.parent.info.description}).`);
    if (subShape(f.schema)) {
      if (v === true) setAt(f.path, {});
    } else if (typeof v === 'boolean') setAt(f.path, f.info.negates ? !v : v);
    else if (Array.isArray(v))
      setAt(
        f.path,
        v.map((item) => readText(f, item)),
      );
    else setAt(f.path, readText(f, v));
  }
  const parsed = schema.safeParse({ ...raw, ...given });
  if (parsed.success) return parsed.data;
  throw new UserError(issueLine(parsed.error.issues[0], fields, values, usage));
}

function issueLine(issue: z.core.$ZodIssue, fields: FlagField[], values: Values, usage: string): string {
  const keys = issue.path.filter((k): k is string => typeof k === 'string');
  const f = fields.find((x) => x.path.join('.') === keys.join('.'));
  if (!f) return `${keys.join('.') || 'The options'}: ${issue.message}`;
  const name = `--${f.info.flag}`;
  const given = values[f.info.flag];
  const text = Array.isArray(given) ? given.join(' ') : String(given);
  switch (issue.code) {
    case 'invalid_type':
      if (given === undefined) return `Missing ${name}. Usage: ${usage}`;
      if (issue.expected === 'int') return `${name} must be a whole number, got "${text}".`;
      if (issue.expected === 'number') return `${name} must be a number, got "${text}".`;
      return `${name}: ${issue.message}, got "${text}".`;
    case 'too_small':
      if (issue.origin === 'array' || issue.origin === 'string')
        return `${name} needs at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'values' : 'characters'}.`;
      return `${name} must be ${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}, got ${text}.`;
    case 'too_big':
      if (issue.origin === 'array' || issue.origin === 'string')
        return `${name} takes at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'values' : 'characters'}.`;
      return `${name} must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}, got ${text}.`;
    case 'invalid_value':
      if (given === undefined) return `Missing ${name}. Usage: ${usage}`;
      return `${name} must be one of ${issue.values.map(String).join(', ')}; got "${text}".`;
    default:
      return `${name}: ${issue.message} (got "${text}").`;
  }
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The command line that gives `params`: `head` (e.g. "slayer train MODEL"), then every flag
 * whose value is set and differs from the schema's default (or is one of `always`), in the
 * schema's order. Read back by parseFlags it gives the same parameters.
 */
export function commandLine(head: string[], schema: z.ZodObject, params: Record<string, unknown>, always: readonly string[] = []): string {
  const args = head.map(quote);
  const valueAt = (path: string[]) => path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], params);
  const text = (f: FlagField, v: unknown) => quote(f.info.show ? f.info.show(v) : Array.isArray(v) ? v.join(',') : String(v));
  for (const f of flagFields(schema)) {
    const v = valueAt(f.path);
    if (v === undefined || (same(v, defaultOf(f.schema)) && !always.includes(f.key))) continue;
    if (subShape(f.schema)) args.push(`--${f.info.flag}`);
    else if (typeof v === 'boolean') {
      if (v !== Boolean(f.info.negates)) args.push(`--${f.info.flag}`);
    } else if (f.info.multiple && Array.isArray(v)) for (const item of v) args.push(`--${f.info.flag}`, text(f, item));
    else args.push(`--${f.info.flag}`, text(f, v));
  }
  return args.join(' ');
}
