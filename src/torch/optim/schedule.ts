/** Learning-rate schedules. */

/**
 * Linear warm-up from 0 to `peak` over `warmupSteps`, then cosine decay to `peak · minRatio` at
 * `totalSteps` (the schedule of GPT-3 / nanoGPT). `step` counts from 0.
 */
export function warmupCosine(options: {
  peak: number;
  warmupSteps: number;
  totalSteps: number;
  minRatio?: number;
}): (step: number) => number {
  const { peak, warmupSteps, totalSteps } = options;
  const floor = peak * (options.minRatio ?? 0.1);
  return (step: number) => {
    if (step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
    if (step >= totalSteps) return floor;
    const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
  };
}
