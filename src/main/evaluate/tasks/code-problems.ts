/**
 * A procedural set of small programming problems for the bundled code tasks: each kind has a
 * description, a reference solution in TypeScript (which computes the expected outputs), seeded
 * test inputs, and the same problem written as a HumanEval record (Python) and as a MultiPL-E
 * record (JavaScript), each with a canonical solution that passes its own tests.
 */
import { seededHash } from '../../data/hash32.js';

type Value = number | string | boolean | Value[];

interface Kind {
  name: string;
  params: string[];
  /** One sentence, for the docstring. */
  doc: string;
  solve: (...args: never[]) => Value;
  inputs: (draw: (lo: number, hi: number) => number) => Value[];
  python: string;
  javascript: string;
}

const WORDS = ['apple', 'river', 'stone', 'cloud', 'lamp', 'tiger', 'maple', 'ocean', 'pixel', 'sugar', 'amber', 'ember'];
const list = (draw: (lo: number, hi: number) => number, n: number, lo: number, hi: number) => Array.from({ length: n }, () => draw(lo, hi));
const words = (draw: (lo: number, hi: number) => number, n: number) => Array.from({ length: n }, () => WORDS[draw(0, WORDS.length - 1)]).join(' ');

const KINDS: Kind[] = [
  {
    name: 'sum_even',
    params: ['xs'],
    doc: 'Return the sum of the even numbers in the list xs.',
    solve: (xs: number[]) => xs.filter((x) => x % 2 === 0).reduce((a, b) => a + b, 0),
    inputs: (d) => [list(d, d(1, 7), -9, 20)],
    python: '    return sum(x for x in xs if x % 2 == 0)\n',
    javascript: '  return xs.filter((x) => x % 2 === 0).reduce((a, b) => a + b, 0);\n}\n',
  },
  {
    name: 'count_vowels',
    params: ['s'],
    doc: 'Return how many of the characters of the lower-case text s are vowels (a, e, i, o, u).',
    solve: (s: string) => [...s].filter((c) => 'aeiou'.includes(c)).length,
    inputs: (d) => [words(d, d(1, 4))],
    python: '    return sum(1 for c in s if c in "aeiou")\n',
    javascript: '  return [...s].filter((c) => "aeiou".includes(c)).length;\n}\n',
  },
  {
    name: 'reverse_words',
    params: ['s'],
    doc: 'Return the words of s (separated by single spaces) in reverse order, separated by single spaces.',
    solve: (s: string) => s.split(' ').reverse().join(' '),
    inputs: (d) => [words(d, d(1, 5))],
    python: '    return " ".join(reversed(s.split(" ")))\n',
    javascript: '  return s.split(" ").reverse().join(" ");\n}\n',
  },
  {
    name: 'spread',
    params: ['xs'],
    doc: 'Return the largest number of the non-empty list xs minus the smallest.',
    solve: (xs: number[]) => Math.max(...xs) - Math.min(...xs),
    inputs: (d) => [list(d, d(1, 6), -50, 50)],
    python: '    return max(xs) - min(xs)\n',
    javascript: '  return Math.max(...xs) - Math.min(...xs);\n}\n',
  },
  {
    name: 'is_palindrome',
    params: ['s'],
    doc: 'Return whether the text s reads the same backwards as forwards.',
    solve: (s: string) => s === [...s].reverse().join(''),
    inputs: (d) => [d(0, 1) ? ['level', 'noon', 'racecar', 'abba', 'x'][d(0, 4)] : WORDS[d(0, WORDS.length - 1)]],
    python: '    return s == s[::-1]\n',
    javascript: '  return s === [...s].reverse().join("");\n}\n',
  },
  {
    name: 'multiples_of_three_or_five',
    params: ['n'],
    doc: 'Return the list of the numbers from 1 to n (inclusive) that are divisible by 3 or by 5, in increasing order.',
    solve: (n: number) => Array.from({ length: n }, (_, i) => i + 1).filter((k) => k % 3 === 0 || k % 5 === 0),
    inputs: (d) => [d(0, 20)],
    python: '    return [k for k in range(1, n + 1) if k % 3 == 0 or k % 5 == 0]\n',
    javascript: '  const out = [];\n  for (let k = 1; k <= n; k++) if (k % 3 === 0 || k % 5 === 0) out.push(k);\n  return out;\n}\n',
  },
  {
    name: 'digit_sum',
    params: ['n'],
    doc: 'Return the sum of the decimal digits of the non-negative whole number n.',
    solve: (n: number) => [...String(n)].reduce((a, c) => a + Number(c), 0),
    inputs: (d) => [d(0, 99999)],
    python: '    return sum(int(c) for c in str(n))\n',
    javascript: '  return [...String(n)].reduce((a, c) => a + Number(c), 0);\n}\n',
  },
  {
    name: 'running_max',
    params: ['xs'],
    doc: 'Return a list of the same length as xs whose k-th entry is the largest of the first k + 1 numbers of xs.',
    solve: (xs: number[]) => xs.map((_, k) => Math.max(...xs.slice(0, k + 1))),
    inputs: (d) => [list(d, d(0, 6), -20, 20)],
    python: '    out = []\n    for x in xs:\n        out.append(x if not out else max(out[-1], x))\n    return out\n',
    javascript: '  const out = [];\n  for (const x of xs) out.push(out.length === 0 ? x : Math.max(out[out.length - 1], x));\n  return out;\n}\n',
  },
  {
    name: 'count_word',
    params: ['s', 'word'],
    doc: 'Return how many of the words of s (separated by single spaces) are exactly word.',
    solve: (s: string, word: string) => s.split(' ').filter((w) => w === word).length,
    inputs: (d) => [words(d, d(1, 8)), WORDS[d(0, 5)]],
    python: '    return s.split(" ").count(word)\n',
    javascript: '  return s.split(" ").filter((w) => w === word).length;\n}\n',
  },
  {
    name: 'greatest_common_divisor',
    params: ['a', 'b'],
    doc: 'Return the greatest common divisor of the positive whole numbers a and b.',
    solve: (a: number, b: number) => {
      let [x, y] = [a, b];
      while (y) [x, y] = [y, x % y];
      return x;
    },
    inputs: (d) => {
      const g = d(1, 12);
      return [g * d(1, 20), g * d(1, 20)];
    },
    python: '    while b:\n        a, b = b, a % b\n    return a\n',
    javascript: '  while (b) [a, b] = [b, a % b];\n  return a;\n}\n',
  },
  {
    name: 'second_largest',
    params: ['xs'],
    doc: 'Return the second largest distinct number of xs, which holds at least two distinct numbers.',
    solve: (xs: number[]) => [...new Set(xs)].sort((a, b) => b - a)[1],
    inputs: (d) => {
      const xs = list(d, d(2, 7), -30, 30);
      if (new Set(xs).size < 2) xs.push(xs[0] + 1);
      return [xs];
    },
    python: '    return sorted(set(xs), reverse=True)[1]\n',
    javascript: '  return [...new Set(xs)].sort((a, b) => b - a)[1];\n}\n',
  },
  {
    name: 'clamp_all',
    params: ['xs', 'lo', 'hi'],
    doc: 'Return xs with every number below lo replaced by lo and every number above hi replaced by hi (lo <= hi).',
    solve: (xs: number[], lo: number, hi: number) => xs.map((x) => Math.min(hi, Math.max(lo, x))),
    inputs: (d) => {
      const lo = d(-10, 5);
      return [list(d, d(0, 6), -20, 20), lo, lo + d(0, 15)];
    },
    python: '    return [min(hi, max(lo, x)) for x in xs]\n',
    javascript: '  return xs.map((x) => Math.min(hi, Math.max(lo, x)));\n}\n',
  },
  {
    name: 'capitalize_words',
    params: ['s'],
    doc: 'Return s with the first letter of every word (words are separated by single spaces) in upper case.',
    solve: (s: string) =>
      s
        .split(' ')
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join(' '),
    inputs: (d) => [words(d, d(1, 4))],
    python: '    return " ".join(w[:1].upper() + w[1:] for w in s.split(" "))\n',
    javascript: '  return s.split(" ").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ");\n}\n',
  },
  {
    name: 'factorial',
    params: ['n'],
    doc: 'Return n! = 1 * 2 * ... * n for the whole number n >= 0 (0! is 1).',
    solve: (n: number) => Array.from({ length: n }, (_, i) => i + 1).reduce((a, b) => a * b, 1),
    inputs: (d) => [d(0, 12)],
    python: '    out = 1\n    for k in range(2, n + 1):\n        out *= k\n    return out\n',
    javascript: '  let out = 1;\n  for (let k = 2; k <= n; k++) out *= k;\n  return out;\n}\n',
  },
  {
    name: 'unique_sorted',
    params: ['xs'],
    doc: 'Return the distinct numbers of xs in increasing order.',
    solve: (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b),
    inputs: (d) => [list(d, d(0, 8), -5, 9)],
    python: '    return sorted(set(xs))\n',
    javascript: '  return [...new Set(xs)].sort((a, b) => a - b);\n}\n',
  },
  {
    name: 'count_above_mean',
    params: ['xs'],
    doc: 'Return how many numbers of the non-empty list xs are strictly greater than the mean of xs.',
    solve: (xs: number[]) => {
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      return xs.filter((x) => x > mean).length;
    },
    inputs: (d) => [list(d, d(1, 7), 0, 30)],
    python: '    mean = sum(xs) / len(xs)\n    return sum(1 for x in xs if x > mean)\n',
    javascript: '  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;\n  return xs.filter((x) => x > mean).length;\n}\n',
  },
];

function python(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(python).join(', ')}]`;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return JSON.stringify(v);
}

function javascript(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(javascript).join(', ')}]`;
  return JSON.stringify(v);
}

const TESTS_PER_PROBLEM = 5;

function cases(kind: Kind, seed: number): { args: Value[]; expected: Value }[] {
  let n = 0;
  const draw = (lo: number, hi: number) => lo + (seededHash(seed, n++) % (hi - lo + 1));
  return Array.from({ length: TESTS_PER_PROBLEM }, () => {
    const args = kind.inputs(draw);
    return { args, expected: (kind.solve as (...a: Value[]) => Value)(...args) };
  });
}

/** HumanEval records: prompt (signature + docstring with one example), canonical_solution, test, entry_point. */
export function pythonProblems(seed: number): Record<string, string>[] {
  return KINDS.map((kind, k) => {
    const [example, ...rest] = cases(kind, seed + k);
    const call = `${kind.name}(${example.args.map(python).join(', ')})`;
    const prompt = `def ${kind.name}(${kind.params.join(', ')}):\n    """${kind.doc}\n    >>> ${call}\n    ${python(example.expected)}\n    """\n`;
    const test = `def check(candidate):\n${[example, ...rest].map((c) => `    assert candidate(${c.args.map(python).join(', ')}) == ${python(c.expected)}\n`).join('')}`;
    return { task_id: `SLayer/python/${k}`, prompt, canonical_solution: kind.python, test, entry_point: kind.name };
  });
}

/** MultiPL-E records (language "js"): prompt (comment + signature), tests, stop_tokens; plus the canonical solution. */
export function javascriptProblems(seed: number): Record<string, unknown>[] {
  return KINDS.map((kind, k) => {
    const [example, ...rest] = cases(kind, seed + k);
    const call = `${kind.name}(${example.args.map(javascript).join(', ')})`;
    const prompt = `//${kind.doc}\n// >>> ${call}\n// ${javascript(example.expected)}\nfunction ${kind.name}(${kind.params.join(', ')}){\n`;
    const asserts = [example, ...rest].map((c) => `  assert.deepEqual(candidate(${c.args.map(javascript).join(', ')}),${javascript(c.expected)});\n`).join('');
    const tests = `const assert = require('node:assert');\n\n\nfunction test() {\n  let candidate = ${kind.name};\n${asserts}}\n\ntest();`;
    return {
      name: `SLayer_js_${k}_${kind.name}`,
      language: 'js',
      prompt,
      tests,
      stop_tokens: ['\nfunction ', '\n/*', '\n//', '\nconsole.log'],
      canonical_solution: kind.javascript,
    };
  });
}
