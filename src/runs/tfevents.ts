/**
 * TensorBoard event files (`events.out.tfevents.*`), written without TensorFlow or a protobuf library.
 *
 * A file is a sequence of TFRecords: uint64 length (little-endian), masked CRC-32C of those 8 bytes, the
 * payload, masked CRC-32C of the payload. Each payload is a `tensorflow.Event` protocol buffer
 * (tensorflow/core/util/event.proto), hand-encoded here:
 *   Event        { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5;
 *                  SessionLog session_log = 6; }
 *   Summary      { repeated Value value = 1; }   Value { string tag = 1; float simple_value = 2; }
 *   SessionLog   { SessionStatus status = 1; }   (START = 1)
 * The first record holds `file_version: "brain.Event:2"`, as TensorFlow's writer does.
 */
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum TFRecord uses. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = crcTable[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const crcTable = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** TFRecord's masked CRC: rotate right by 15 bits and add a constant, so CRCs of CRCs stay well spread. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord: length, its masked CRC, the payload, the payload's masked CRC. */
export function tfRecord(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + payload.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(payload.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(payload, 12);
  view.setUint32(12 + payload.length, maskedCrc32c(payload), true);
  return out;
}

/** What an Event carries besides its time and step: a version line, scalars, or a session start. */
export type EventBody = { fileVersion: string } | { scalars: Record<string, number> } | { sessionStart: true };

/** The protobuf bytes of one Event. */
export function encodeEvent(wallTime: number, step: number, body: EventBody): Uint8Array {
  const out = new ProtoWriter();
  out.double(1, wallTime);
  out.varint(2, BigInt.asUintN(64, BigInt(step)));
  if ("fileVersion" in body) out.bytes(3, new TextEncoder().encode(body.fileVersion));
  if ("scalars" in body) {
    const summary = new ProtoWriter();
    for (const [tag, value] of Object.entries(body.scalars)) {
      const v = new ProtoWriter();
      v.bytes(1, new TextEncoder().encode(tag));
      v.float(2, value);
      summary.bytes(1, v.finish());
    }
    out.bytes(5, summary.finish());
  }
  if ("sessionStart" in body) {
    const log = new ProtoWriter();
    log.varint(1, 1n); // SessionLog.START
    out.bytes(6, log.finish());
  }
  return out.finish();
}

/** Protocol-buffer wire format, just the field kinds an Event needs. */
class ProtoWriter {
  private readonly chunks: number[] = [];

  private key(field: number, wireType: number): void {
    this.raw(BigInt((field << 3) | wireType));
  }
  private raw(value: bigint): void {
    do {
      const low = Number(value & 0x7fn);
      value >>= 7n;
      this.chunks.push(value > 0n ? low | 0x80 : low);
    } while (value > 0n);
  }
  varint(field: number, value: bigint): void {
    this.key(field, 0);
    this.raw(value);
  }
  double(field: number, value: number): void {
    this.key(field, 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, true);
    this.chunks.push(...b);
  }
  float(field: number, value: number): void {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.chunks.push(...b);
  }
  bytes(field: number, value: Uint8Array): void {
    this.key(field, 2);
    this.raw(BigInt(value.length));
    this.chunks.push(...value);
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

let filesOpened = 0;

/** Appends scalar events to a new `events.out.tfevents.<seconds>.<host>.<pid>.<n>` file in a folder. */
export class EventFileWriter {
  readonly path: string;
  private fd: number | null;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    const seconds = String(Math.floor(Date.now() / 1000)).padStart(10, "0");
    this.path = join(dir, `events.out.tfevents.${seconds}.${hostname()}.${process.pid}.${filesOpened++}`);
    this.fd = openSync(this.path, "a");
    this.write(0, { fileVersion: "brain.Event:2" });
  }

  /** One event holding scalar summaries (TensorBoard's "Scalars" tab), one per tag. */
  scalars(step: number, values: Record<string, number>, wallTime = Date.now() / 1000): void {
    this.write(step, { scalars: values }, wallTime);
  }

  /**
   * Marks a restart at `step`: TensorBoard then discards the points after `step` that an earlier session
   * wrote before it was interrupted, so a resumed run's curves do not double back.
   */
  sessionStart(step: number): void {
    this.write(step, { sessionStart: true });
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private write(step: number, body: EventBody, wallTime = Date.now() / 1000): void {
    if (this.fd === null) throw new Error(`${this.path}: event file is closed`);
    writeSync(this.fd, tfRecord(encodeEvent(wallTime, step, body)));
  }
}
