/**
 * pass@k, the unbiased estimator of Chen et al. 2021 ("Evaluating Large Language Models Trained on Code",
 * §2.1, eq. 1): from n samples of which c pass, pass@k = 1 − C(n−c, k) / C(n, k), averaged over problems.
 */

/** Per-problem sample counts: `n` samples drawn, `c` of them passed all tests. */
export interface SampleCounts {
  n: number;
  c: number;
}

function checkCounts(n: number, c: number, k: number): void {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k))
    throw new RangeError(`pass@k needs integers, got n=${n}, c=${c}, k=${k}`);
  if (n < 1 || c < 0 || c > n)
    throw new RangeError(`pass@k needs 0 <= c <= n and n >= 1, got n=${n}, c=${c}`);
  if (k < 1 || k > n) throw new RangeError(`pass@k needs 1 <= k <= n, got k=${k} with n=${n} samples`);
}

/**
 * pass@k for one problem. Computed as 1 − Π_{i=n−c+1}^{n} (1 − k/i), the product form of the Codex paper's
 * reference code (Chen et al. 2021, Fig. 3): the binomials themselves overflow doubles for n in the hundreds.
 */
export function passAtK(n: number, c: number, k: number): number {
  checkCounts(n, c, k);
  // Fewer failures than k: every draw of k samples contains a pass.
  if (n - c < k) return 1;
  let allFail = 1;
  for (let i = n - c + 1; i <= n; i++) allFail *= 1 - k / i;
  return 1 - allFail;
}

/** The mean of pass@k over problems; every problem needs at least k samples. NaN for no problems. */
export function meanPassAtK(problems: readonly SampleCounts[], k: number): number {
  if (problems.length === 0) return NaN;
  let total = 0;
  for (const p of problems) total += passAtK(p.n, p.c, k);
  return total / problems.length;
}

/** The values of k (from `ks`) that every problem has enough samples for, e.g. [1, 5, 10] with n = 10. */
export function feasibleKs(problems: readonly SampleCounts[], ks: readonly number[]): number[] {
  const fewest = Math.min(...problems.map((p) => p.n));
  return ks.filter((k) => k >= 1 && k <= fewest);
}
