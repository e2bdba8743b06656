/**
 * Advantages for PPO: generalised advantage estimation over one rollout's per-token rewards (Schulman et
 * al. 2016, "High-Dimensional Continuous Control Using Generalized Advantage Estimation", eq. 16), and the
 * whitening of advantages over a batch (TRL's `masked_whiten`).
 */

/**
 * GAE over one rollout of T tokens: δ_t = r_t + γ·V_{t+1} − V_t, with V_T = 0 after the last token (the
 * episode ends there), and A_t = δ_t + γλ·A_{t+1}. The returns R_t = A_t + V_t are the value targets.
 */
export function gae(
  rewards: readonly number[],
  values: readonly number[],
  gamma: number,
  lambda: number,
): { advantages: number[]; returns: number[] } {
  if (rewards.length !== values.length)
    throw new Error(`gae: ${rewards.length} rewards for ${values.length} values`);
  const n = rewards.length;
  const advantages = new Array<number>(n);
  let next = 0; // A_{t+1}
  for (let t = n - 1; t >= 0; t--) {
    const nextValue = t + 1 < n ? values[t + 1]! : 0;
    const delta = rewards[t]! + gamma * nextValue - values[t]!;
    next = delta + gamma * lambda * next;
    advantages[t] = next;
  }
  return { advantages, returns: advantages.map((a, t) => a + values[t]!) };
}

/**
 * Every number of every row shifted and scaled to mean 0 and variance 1 over the whole batch (unbiased
 * variance, 1e-8 added before the square root, as TRL). A batch with fewer than two numbers is only centred.
 */
export function whiten(rows: readonly (readonly number[])[]): number[][] {
  const all = rows.flat();
  const n = all.length;
  if (n === 0) return rows.map(() => []);
  const mean = all.reduce((s, x) => s + x, 0) / n;
  if (n < 2) return rows.map((row) => row.map((x) => x - mean));
  const variance = all.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
  const scale = 1 / Math.sqrt(variance + 1e-8);
  return rows.map((row) => row.map((x) => (x - mean) * scale));
}
