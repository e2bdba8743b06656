/**
 * Statistics over seeds for result tables: mean ± sample standard deviation, and Welch's t-test, so a
 * report can say whether a difference between two arms is larger than the spread between seeds of one arm.
 * Small-sample honesty matters here: with three seeds per arm, differences of a few points are often noise.
 */

/** Mean, sample standard deviation and range of a set of per-seed values. */
export interface MeanSpread {
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); null when n < 2. */
  sd: number | null;
  min: number;
  max: number;
  n: number;
}

/** Mean, sample sd (null for n < 2), min and max of `values`; mean, min and max are NaN when empty. */
export function meanSpread(values: readonly number[]): MeanSpread {
  const n = values.length;
  if (n === 0) return { mean: NaN, sd: null, min: NaN, max: NaN, n };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = sampleVariance(values, mean);
  return {
    mean,
    sd: variance === null ? null : Math.sqrt(variance),
    min: Math.min(...values),
    max: Math.max(...values),
    n,
  };
}

/** Sum of squared deviations over n − 1; null for fewer than two values. */
function sampleVariance(values: readonly number[], mean: number): number | null {
  if (values.length < 2) return null;
  return values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
}

/** Options of formatMeanSpread. */
export interface FormatOptions {
  /** Scale by 100 (fractions shown as percentages; the "%" belongs in the column header). */
  percent?: boolean;
  /** Digits after the decimal point; 1 by default. */
  digits?: number;
}

/** "31.8 ± 1.2 (n=3)", or just "31.8" for one seed, or "–" for none. */
export function formatMeanSpread(stats: MeanSpread, options: FormatOptions = {}): string {
  if (stats.n === 0) return "–";
  const scale = options.percent ? 100 : 1;
  const digits = options.digits ?? 1;
  const mean = (stats.mean * scale).toFixed(digits);
  if (stats.sd === null) return mean;
  return `${mean} ± ${(stats.sd * scale).toFixed(digits)} (n=${stats.n})`;
}

/**
 * Welch's t statistic for mean(a) − mean(b) with the Welch–Satterthwaite degrees of freedom; null when a
 * side has fewer than two values or both sides have zero variance (the statistic is undefined).
 */
export function welchT(a: readonly number[], b: readonly number[]): { t: number; df: number } | null {
  if (a.length < 2 || b.length < 2) return null;
  const ma = mean(a);
  const mb = mean(b);
  const qa = sampleVariance(a, ma)! / a.length; // squared standard error of each mean
  const qb = sampleVariance(b, mb)! / b.length;
  if (qa === 0 && qb === 0) return null;
  const t = (ma - mb) / Math.sqrt(qa + qb);
  const df = (qa + qb) ** 2 / (qa ** 2 / (a.length - 1) + qb ** 2 / (b.length - 1));
  return { t, df };
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** Two-sided p-value of Student's t with `df` degrees of freedom: P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, 1/2). */
export function tTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (!Number.isFinite(t)) return 0;
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/**
 * The regularized incomplete beta function I_x(a, b), by its continued fraction evaluated with the modified
 * Lentz method. The fraction converges fast for x < (a + 1) / (a + b + 2); above that we use the symmetry
 * I_x(a, b) = 1 − I_{1−x}(b, a).
 */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - regularizedBeta(1 - x, b, a);
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b) - Math.log(a);
  return Math.exp(logFront) * betaContinuedFraction(x, a, b);
}

/** 1 / (1 + d1 / (1 + d2 / (1 + …))) with the coefficients d_m of the incomplete beta fraction. */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300; // stands in for a zero denominator, as Lentz's method prescribes
  const guard = (v: number) => (Math.abs(v) < tiny ? tiny : v);
  let c = 1;
  let d = 1 / guard(1 - ((a + b) * x) / (a + 1)); // d1 folded in: the fraction starts at 1 + d1
  let result = d;
  for (let m = 1; m <= 300; m++) {
    // Even coefficient d_{2m}, then odd coefficient d_{2m+1}.
    const even = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 / guard(1 + even * d);
    c = guard(1 + even / c);
    result *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 / guard(1 + odd * d);
    c = guard(1 + odd / c);
    const step = d * c;
    result *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return result;
}

function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

// Lanczos approximation (g = 7, nine coefficients): about 15 significant digits for positive arguments.
const lanczos = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(z) for z > 0. */
function logGamma(z: number): number {
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z); // reflection
  const zm = z - 1;
  let sum = lanczos[0]!;
  for (let i = 1; i < lanczos.length; i++) sum += lanczos[i]! / (zm + i);
  const t = zm + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (zm + 0.5) * Math.log(t) - t + Math.log(sum);
}
