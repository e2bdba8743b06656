import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as T from "../../src/torch/index.js";

const dir = mkdtempSync(join(tmpdir(), "linewise-st-"));

test("save → load round-trips float32, float16, bfloat16 and int64 with metadata", () => {
  T.scope(() => {
    const path = join(dir, "a.safetensors");
    const tensors = {
      "model.w": T.tensor([
        [1.5, -2],
        [3, 4.25],
      ]),
      half: T.tensor([0.5, 1, -3], { dtype: "float16" }),
      brain: T.tensor([1, -0.5], { dtype: "bfloat16" }),
      ids: T.tensor([1, 2 ** 40], { dtype: "int64" }),
    };
    T.saveSafetensors(path, tensors, { format: "pt" });
    const { tensors: back, metadata } = T.loadSafetensors(path);
    assert.deepEqual(metadata, { format: "pt" });
    for (const [name, t] of Object.entries(tensors)) {
      const b = back.get(name)!;
      assert.equal(b.dtype, t.dtype, name);
      assert.deepEqual(b.shape, t.shape, name);
      assert.deepEqual(b.toArray(), t.toArray(), name);
    }
  });
});

test("a written file has the standard layout: u64 header length, space-padded JSON, offsets into the data", () => {
  T.scope(() => {
    const path = join(dir, "b.safetensors");
    T.saveSafetensors(path, {
      b: T.tensor([1, 2], { dtype: "float32" }),
      a: T.tensor([7], { dtype: "int64" }),
    });
    const bytes = readFileSync(path);
    const n = Number(bytes.readBigUInt64LE(0));
    assert.equal((8 + n) % 8, 0);
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8"));
    assert.deepEqual(header.a, { dtype: "I64", shape: [1], data_offsets: [0, 8] });
    assert.deepEqual(header.b, { dtype: "F32", shape: [2], data_offsets: [8, 16] });
    assert.equal(bytes.length, 8 + n + 16);
    assert.equal(bytes.readFloatLE(8 + n + 8 + 4), 2);
  });
});

test("a file built byte by byte as the Hugging Face writer does loads here", () => {
  const header = JSON.stringify({
    __metadata__: { format: "pt" },
    "lm_head.weight": { dtype: "F16", shape: [2], data_offsets: [0, 4] },
    x: { dtype: "F64", shape: [1, 1], data_offsets: [4, 12] },
  });
  const padded = header + " ".repeat((8 - (header.length % 8)) % 8);
  const data = Buffer.alloc(12);
  data.writeUInt16LE(0x3c00, 0); // 1.0 in IEEE half
  data.writeUInt16LE(0xc000, 2); // -2.0
  data.writeDoubleLE(Math.PI, 4);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(padded.length));
  const path = join(dir, "hf.safetensors");
  writeFileSync(path, Buffer.concat([len, Buffer.from(padded), data]));
  T.scope(() => {
    const { tensors } = T.loadSafetensors(path);
    assert.deepEqual(tensors.get("lm_head.weight")!.toArray(), [1, -2]);
    assert.deepEqual(tensors.get("x")!.toArray(), [[Math.PI]]);
  });
});

test("a file that is not safetensors is a clear error", () => {
  const path = join(dir, "bad.safetensors");
  writeFileSync(path, "not a tensor file at all");
  assert.throws(() => T.loadSafetensors(path), /bad.safetensors: not a safetensors file/);
});
