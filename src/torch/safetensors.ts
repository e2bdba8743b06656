/**
 * safetensors files, byte-compatible with Hugging Face's format: an 8-byte little-endian header length,
 * a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}` padded with
 * spaces to a multiple of 8 bytes, then the raw little-endian tensor bytes.
 */
import { closeSync, openSync, readSync, writeFileSync, fstatSync } from "node:fs";
import { native } from "./native.js";
import { Tensor } from "./tensor.js";
import type { DType } from "./dtype.js";

const toFormat: Partial<Record<DType, string>> = {
  float32: "F32",
  float64: "F64",
  float16: "F16",
  bfloat16: "BF16",
  int64: "I64",
  int32: "I32",
  int16: "I16",
  int8: "I8",
  uint8: "U8",
  bool: "BOOL",
};
const fromFormat: Record<string, DType> = Object.fromEntries(
  Object.entries(toFormat).map(([k, v]) => [v, k as DType]),
);

/** Writes named tensors (CPU copies are made as needed) with optional string metadata. */
export function saveSafetensors(
  path: string,
  tensors: Map<string, Tensor> | Record<string, Tensor>,
  metadata?: Record<string, string>,
): void {
  const entries = [...(tensors instanceof Map ? tensors.entries() : Object.entries(tensors))].sort(
    ([a], [b]) => (a < b ? -1 : a > b ? 1 : 0),
  );
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    const format = toFormat[t.dtype];
    if (!format) throw new Error(`saveSafetensors: ${name} has unsupported dtype ${t.dtype}`);
    const bytes = new Uint8Array(native.toBuffer(t.handle));
    header[name] = { dtype: format, shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileSync(path, Buffer.concat([head, Buffer.from(json), ...chunks]));
}

/** Reads every tensor of a safetensors file (on the CPU) and its metadata. */
export function loadSafetensors(path: string): {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
} {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(8);
    readSync(fd, head, 0, 8, 0);
    const headerLength = Number(head.readBigUInt64LE());
    if (headerLength <= 0 || 8 + headerLength > size)
      throw new Error(`${path}: not a safetensors file (bad header length)`);
    const headerBytes = Buffer.alloc(headerLength);
    readSync(fd, headerBytes, 0, headerLength, 8);
    let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    try {
      header = JSON.parse(headerBytes.toString("utf8"));
    } catch {
      throw new Error(`${path}: not a safetensors file (header is not JSON)`);
    }
    const metadata = (header.__metadata__ ?? {}) as unknown as Record<string, string>;
    const tensors = new Map<string, Tensor>();
    const base = 8 + headerLength;
    for (const [name, entry] of Object.entries(header)) {
      if (name === "__metadata__") continue;
      const dtype = fromFormat[entry.dtype];
      if (!dtype) throw new Error(`${path}: tensor ${name} has unsupported dtype ${entry.dtype}`);
      const [begin, end] = entry.data_offsets;
      const bytes = new Uint8Array(end - begin);
      readSync(fd, bytes, 0, bytes.byteLength, base + begin);
      tensors.set(name, new Tensor(native.fromBuffer(bytes, entry.shape, dtype)));
    }
    return { tensors, metadata };
  } finally {
    closeSync(fd);
  }
}
