/**
 * Explicit memory (DESIGN.md, "The tensor engine"): `scope(fn)` frees every tensor created inside `fn`
 * that is neither returned nor `keep()`-ed, as tfjs `tidy` does. `dispose()` is idempotent and using a
 * disposed tensor throws. The addon's garbage-collection finalizer, with the tensor bytes reported to V8
 * as external memory, is only a backstop for tensors nobody disposed; tensors made inside a scope are not
 * reported, since the scope frees them (reporting them only triggered collections that free nothing).
 *
 * Scopes are synchronous: do not `await` inside `scope(fn)` (tensors made by other tasks in the meantime
 * would land in this scope). Keep awaits between scopes.
 */

import { native } from "./native.js";

/** Anything that owns native memory and can be freed. */
export interface Disposable {
  dispose(): void;
  readonly disposed: boolean;
}

interface Trackable extends Disposable {
  kept: boolean;
}

const stack: Trackable[][] = [];

function push(created: Trackable[]): void {
  if (stack.length === 0) native.setReportExternal(false);
  stack.push(created);
}

function pop(): void {
  stack.pop();
  if (stack.length === 0) native.setReportExternal(true);
}

/** Called by every new tensor: the innermost open scope owns it. */
export function track(t: Trackable): void {
  const top = stack[stack.length - 1];
  if (top !== undefined) top.push(t);
}

/** Runs `fn`; every tensor created inside and not returned (also inside arrays/objects) or kept is freed. */
export function scope<T>(fn: () => T): T {
  const created: Trackable[] = [];
  push(created);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    pop();
    for (const t of created) if (!t.kept) t.dispose();
    throw e;
  }
  pop();
  if (result instanceof Promise) throw new Error("scope(fn): fn must be synchronous (returned a Promise)");
  const survivors = new Set<Trackable>();
  collect(result, survivors, 0);
  const parent = stack[stack.length - 1];
  for (const t of created) {
    if (survivors.has(t)) {
      if (parent !== undefined && !t.kept) parent.push(t);
    } else if (!t.kept) {
      t.dispose();
    }
  }
  return result;
}

/** Marks tensors to outlive every enclosing scope (parameters, optimiser state, caches). */
export function keep<T extends Disposable | Disposable[]>(value: T): T {
  for (const t of Array.isArray(value) ? value : [value]) (t as unknown as Trackable).kept = true;
  return value;
}

function collect(value: unknown, into: Set<Trackable>, depth: number): void {
  if (depth > 4 || value === null || typeof value !== "object") return;
  if (isTrackable(value)) {
    into.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, into, depth + 1);
    return;
  }
  if (value instanceof Map) {
    for (const v of value.values()) collect(v, into, depth + 1);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, into, depth + 1);
  }
}

function isTrackable(v: object): v is Trackable {
  return "kept" in v && "dispose" in v;
}
