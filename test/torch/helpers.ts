/** Shared assertions for the tensor tests. */
import assert from "node:assert/strict";

/** Asserts two flat or nested number arrays agree element-wise within `tol`. */
export function assertClose(actual: unknown, expected: unknown, tol = 1e-5, path = ""): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array, got ${JSON.stringify(actual)}`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((e, i) => assertClose((actual as unknown[])[i], e, tol, `${path}[${i}]`));
    return;
  }
  const a = actual as number;
  const e = expected as number;
  assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${path}: ${a} vs expected ${e}`);
}
