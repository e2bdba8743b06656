/**
 * safetensors files, byte-compatible with Hugging Face's format: an 8-byte little-endian header length,
 * a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}` padded with
 * spaces to a multiple of 8 bytes, then the raw little-endian tensor bytes.
 */
import { closeSync, openSync, readSync, writeSync, fstatSync } from "node:fs";
import { native } from "./native.js";
import { Tensor } from "./tensor.js";
import { dtypeSize, type DType } from "./dtype.js";

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

/**
 * Writes named tensors (CPU copies are made as needed) with optional string metadata. Tensor by tensor,
 * so a file may exceed Node's 2 GiB buffer limit (a 0.5B model's AdamW moments are 4 GB) and only one
 * tensor's bytes are copied at a time.
 */
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
  let offset = 0;
  for (const [name, t] of entries) {
    const format = toFormat[t.dtype];
    if (!format) throw new Error(`saveSafetensors: ${name} has unsupported dtype ${t.dtype}`);
    const length = t.numel * dtypeSize(t.dtype);
    header[name] = { dtype: format, shape: t.shape, data_offsets: [offset, offset + length] };
    offset += length;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const fd = openSync(path, "w");
  try {
    writeAll(fd, Buffer.concat([head, Buffer.from(json)]));
    for (const [, t] of entries) writeAll(fd, new Uint8Array(native.toBuffer(t.handle)));
  } finally {
    closeSync(fd);
  }
}

/** readSync until `bytes` is full (one call reads at most ~2 GiB), from file position `position`. */
function readAll(fd: number, bytes: Uint8Array, position: number): void {
  const piece = 1 << 30;
  for (let at = 0; at < bytes.byteLength;) {
    const n = readSync(fd, bytes, at, Math.min(piece, bytes.byteLength - at), position + at);
    if (n === 0) throw new Error(`safetensors: the file ends inside a tensor (byte ${position + at})`);
    at += n;
  }
}

/** writeSync until every byte is written, in pieces below Node's 2 GiB limit per call. */
function writeAll(fd: number, bytes: Uint8Array): void {
  const piece = 1 << 30;
  for (let at = 0; at < bytes.byteLength;)
    at += writeSync(fd, bytes, at, Math.min(piece, bytes.byteLength - at));
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
      readAll(fd, bytes, base + begin);
      tensors.set(name, new Tensor(native.fromBuffer(bytes, entry.shape, dtype)));
    }
    return { tensors, metadata };
  } finally {
    closeSync(fd);
  }
}
