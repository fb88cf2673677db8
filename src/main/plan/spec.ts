/**
 * The compact manual layout string of `slayer plan --strategy manual --layers SPEC`.
 *
 *   SPEC    := clause (";" clause)*
 *   clause  := "expand=" item ("," item)*      new blocks after these ORIGINAL 0-based layers
 *            | "prune="  range ("," range)*    original layers to delete
 *            | "refresh=" mean|keep|none       refresh the last kept layer (default none)
 *            | "init=" copy|average            default init of new blocks (default average)
 *   item    := range [":" copy|average]        per-block init overrides init=
 *   range   := INT | INT "-" INT               both ends included: 28-31 is 28, 29, 30, 31
 *
 * Example: "expand=1,3,5,7:copy;prune=30-31;refresh=mean". Each clause at most once; spaces
 * are ignored. Indices are always 0-based and ranges always inclusive, so "30-31" cannot be
 * misread as one layer (a pitfall of the stride/exclusive-range rules other tools use).
 */
import { UserError } from '../../shared/errors.js';
import { REFRESH_CHOICES, type Expansion, type ExpansionInit, type ManualLayout, type RefreshChoice } from '../../shared/plan.js';

const INITS: readonly ExpansionInit[] = ['copy', 'average'];
const EXAMPLE = 'expand=1,3,5;prune=30,31;refresh=mean';

export function parseLayerSpec(spec: string): ManualLayout {
  const fail = (what: string) =>
    new UserError(`--layers "${spec}": ${what}. Write it like ${EXAMPLE} (0-based original indices, ranges such as 28-31 include both ends).`);
  const clauses = new Map<string, string>();
  for (const clause of spec
    .replace(/\s+/g, '')
    .split(';')
    .filter((c) => c !== '')) {
    const eq = clause.indexOf('=');
    const key = eq < 0 ? clause : clause.slice(0, eq);
    if (eq < 0 || !['expand', 'prune', 'refresh', 'init'].includes(key)) throw fail(`"${clause}" is not one of expand=, prune=, refresh=, init=`);
    if (clauses.has(key)) throw fail(`${key}= is given twice`);
    clauses.set(key, clause.slice(eq + 1));
  }

  const oneOf = <T extends string>(key: string, choices: readonly T[], fallback: T): T => {
    const v = clauses.get(key);
    if (v === undefined) return fallback;
    if (!(choices as readonly string[]).includes(v)) throw fail(`${key}= must be one of ${choices.join(', ')}, not "${v}"`);
    return v as T;
  };
  const range = (text: string): number[] => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(text);
    if (!m) throw fail(`"${text}" is not a layer index or a range like 28-31`);
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last < first) throw fail(`the range ${text} runs backwards`);
    return Array.from({ length: last - first + 1 }, (_, k) => first + k);
  };
  const items = (key: string): string[] => {
    const v = clauses.get(key);
    if (v === undefined) return [];
    if (v === '') throw fail(`${key}= lists no layers`);
    return v.split(',');
  };

  const defaultInit = oneOf<ExpansionInit>('init', INITS, 'average');
  const expand: Expansion[] = items('expand').flatMap((item) => {
    const [where, init = defaultInit, extra] = item.split(':');
    if (extra !== undefined || !(INITS as readonly string[]).includes(init)) throw fail(`"${item}": the init after ":" must be copy or average`);
    return range(where).map((after) => ({ after, init: init as ExpansionInit }));
  });
  const prune = items('prune').flatMap(range);
  const refresh = oneOf<RefreshChoice>('refresh', REFRESH_CHOICES, 'none');
  return { expand, prune, refresh };
}
