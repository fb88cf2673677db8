/**
 * A procedural generator of worked arithmetic and algebra solutions: the demo's math corpus,
 * and multiple-choice questions whose answers the corpus teaches how to reach. Every problem
 * comes from a seeded counter-based stream, so the corpus rebuilds byte-identically.
 */
import { seededHash } from '../../main/data/hash32.js';

/** A small random source over one seed: draw(n) -> integer in [0, n). */
class Draws {
  private n = 0;
  constructor(private readonly seed: number) {}
  int(lo: number, hi: number): number {
    return lo + (seededHash(this.seed, this.n++) % (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }
}

export interface WorkedProblem {
  text: string;
  question: string;
  answer: number;
}

function gcd(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : gcd(b, a % b);
}

const kinds: ((d: Draws) => WorkedProblem)[] = [
  (d) => {
    const a = d.int(12, 899);
    const b = d.int(12, 899);
    const ones = (a % 10) + (b % 10);
    return {
      question: `What is ${a} + ${b}?`,
      answer: a + b,
      text: `Problem: Compute ${a} + ${b}.\nSolution: Add the ones: ${a % 10} + ${b % 10} = ${ones}${ones >= 10 ? ', write ' + (ones % 10) + ' and carry 1' : ''}. Then add the rest: ${a} + ${b} = ${a + b}.\nAnswer: ${a + b}\n`,
    };
  },
  (d) => {
    const a = d.int(100, 999);
    const b = d.int(10, a - 1);
    return {
      question: `What is ${a} - ${b}?`,
      answer: a - b,
      text: `Problem: Compute ${a} - ${b}.\nSolution: Subtract ${b} from ${a}. Check by adding back: ${a - b} + ${b} = ${a}.\nAnswer: ${a - b}\n`,
    };
  },
  (d) => {
    const a = d.int(11, 99);
    const b = d.int(3, 19);
    const tens = Math.floor(a / 10) * 10;
    return {
      question: `What is ${a} × ${b}?`,
      answer: a * b,
      text: `Problem: Compute ${a} × ${b}.\nSolution: Split ${a} into ${tens} + ${a - tens}. Then ${tens} × ${b} = ${tens * b} and ${a - tens} × ${b} = ${(a - tens) * b}. Add: ${tens * b} + ${(a - tens) * b} = ${a * b}.\nAnswer: ${a * b}\n`,
    };
  },
  (d) => {
    const x = d.int(-12, 15);
    const a = d.int(2, 9);
    const b = d.int(-20, 30);
    const c = a * x + b;
    const sign = b >= 0 ? `+ ${b}` : `- ${-b}`;
    const undo = b >= 0 ? `Subtract ${b} from both sides` : `Add ${-b} to both sides`;
    return {
      question: `Solve ${a}x ${sign} = ${c}. What is x?`,
      answer: x,
      text: `Problem: Solve ${a}x ${sign} = ${c}.\nSolution: ${undo}: ${a}x = ${c - b}. Divide both sides by ${a}: x = ${x}. Check: ${a} × ${x} ${sign} = ${c}.\nAnswer: x = ${x}\n`,
    };
  },
  (d) => {
    const g = d.int(2, 12);
    const a = g * d.int(2, 15);
    const b = g * d.int(2, 15);
    const f = gcd(a, b);
    return {
      question: `What is the greatest common divisor of ${a} and ${b}?`,
      answer: f,
      text: `Problem: Find the greatest common divisor of ${a} and ${b}.\nSolution: Use Euclid's algorithm: ${euclidSteps(a, b)}. The last non-zero remainder is ${f}.\nAnswer: ${f}\n`,
    };
  },
  (d) => {
    const p = d.pick([5, 10, 15, 20, 25, 30, 40, 50, 75]);
    const n = d.int(2, 40) * 20;
    const r = (p * n) / 100;
    return {
      question: `What is ${p}% of ${n}?`,
      answer: r,
      text: `Problem: What is ${p}% of ${n}?\nSolution: ${p}% means ${p} per hundred, so compute ${n} × ${p} / 100 = ${n * p} / 100 = ${r}.\nAnswer: ${r}\n`,
    };
  },
  (d) => {
    const r1 = d.int(-9, 9);
    const r2 = d.int(-9, 9);
    const b = -(r1 + r2);
    const c = r1 * r2;
    const term = (v: number, s: string) => (v === 0 ? '' : v > 0 ? ` + ${v === 1 && s ? '' : v}${s}` : ` - ${v === -1 && s ? '' : -v}${s}`);
    const larger = Math.max(r1, r2);
    return {
      question: `What is the larger root of x^2${term(b, 'x')}${term(c, '')} = 0?`,
      answer: larger,
      text: `Problem: Solve x^2${term(b, 'x')}${term(c, '')} = 0.\nSolution: Look for two numbers whose product is ${c} and whose sum is ${-b}: they are ${r1} and ${r2}. So (x ${r1 >= 0 ? '-' : '+'} ${Math.abs(r1)})(x ${r2 >= 0 ? '-' : '+'} ${Math.abs(r2)}) = 0, and x = ${r1} or x = ${r2}.\nAnswer: x = ${Math.min(r1, r2)} or x = ${larger}\n`,
    };
  },
];

function euclidSteps(a: number, b: number): string {
  const steps: string[] = [];
  let [x, y] = a >= b ? [a, b] : [b, a];
  while (y !== 0) {
    steps.push(`${x} = ${Math.floor(x / y)} × ${y} + ${x % y}`);
    [x, y] = [y, x % y];
  }
  return steps.join('; ');
}

export function workedProblem(seed: number, index: number): WorkedProblem {
  const d = new Draws(seededHash(seed, index));
  return d.pick(kinds)(d);
}
