import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventFileWriter, crc32c, maskedCrc32c } from "../../src/runs/tfevents.js";

test("crc32c matches the Castagnoli check value and TFRecord's mask", () => {
  assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
  const crc = 0xe3069283;
  assert.equal(maskedCrc32c(new TextEncoder().encode("123456789")), ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0);
});

test("an event file decodes back: TFRecord framing with valid CRCs, a version event, scalars, a session start", () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-tfevents-"));
  try {
    const writer = new EventFileWriter(dir);
    writer.scalars(3, { loss: 1.5, "eval/loss": 0.25 }, 1700000000.5);
    writer.scalars(2 ** 40, { lr: 3e-4 }, 1700000001);
    writer.sessionStart(7);
    writer.close();
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^events\.out\.tfevents\.\d{10}\./);

    const events = readRecords(readFileSync(join(dir, files[0]!))).map(decodeEvent);
    assert.equal(events.length, 4);
    assert.equal(events[0]!.fileVersion, "brain.Event:2");
    assert.deepEqual(events[1], { wallTime: 1700000000.5, step: 3, scalars: { loss: 1.5, "eval/loss": 0.25 } });
    assert.equal(events[2]!.step, 2 ** 40);
    assert.equal(events[2]!.wallTime, 1700000001);
    assert.ok(Math.abs(events[2]!.scalars!.lr! - 3e-4) < 1e-10); // stored as a 32-bit float
    assert.equal(events[3]!.step, 7);
    assert.equal(events[3]!.sessionStatus, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// An independent reader: TFRecord framing and just enough protobuf decoding for Event.

function readRecords(bytes: Buffer): Uint8Array[] {
  const records: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const length = Number(bytes.readBigUInt64LE(at));
    assert.equal(bytes.readUInt32LE(at + 8), maskedCrc32c(bytes.subarray(at, at + 8)), "length CRC");
    const payload = bytes.subarray(at + 12, at + 12 + length);
    assert.equal(bytes.readUInt32LE(at + 12 + length), maskedCrc32c(payload), "payload CRC");
    records.push(payload);
    at += 12 + length + 4;
  }
  return records;
}

interface Decoded {
  wallTime?: number;
  step?: number;
  fileVersion?: string;
  scalars?: Record<string, number>;
  sessionStatus?: number;
}

/** Protobuf fields as [field number, varint | bytes | fixed value]. */
function fields(bytes: Uint8Array): [number, bigint | Uint8Array | DataView][] {
  const out: [number, bigint | Uint8Array | DataView][] = [];
  let at = 0;
  const varint = () => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = bytes[at++]!;
      value |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const wire = key & 7;
    const view = (n: number) => new DataView(bytes.buffer, bytes.byteOffset + (at += n) - n, n);
    if (wire === 0) out.push([key >> 3, varint()]);
    else if (wire === 1) out.push([key >> 3, view(8)]);
    else if (wire === 5) out.push([key >> 3, view(4)]);
    else if (wire === 2) {
      const n = Number(varint());
      out.push([key >> 3, bytes.subarray(at, (at += n))]);
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

function decodeEvent(bytes: Uint8Array): Decoded {
  const event: Decoded = {};
  for (const [field, value] of fields(bytes)) {
    if (field === 1) event.wallTime = (value as DataView).getFloat64(0, true);
    else if (field === 2) event.step = Number(value as bigint);
    else if (field === 3) event.fileVersion = new TextDecoder().decode(value as Uint8Array);
    else if (field === 5) {
      event.scalars = {};
      for (const [, v] of fields(value as Uint8Array)) {
        const parts = Object.fromEntries(fields(v as Uint8Array));
        event.scalars[new TextDecoder().decode(parts[1] as Uint8Array)] = (parts[2] as DataView).getFloat32(0, true);
      }
    } else if (field === 6) event.sessionStatus = Number(Object.fromEntries(fields(value as Uint8Array))[1] as bigint);
    else throw new Error(`unexpected Event field ${field}`);
  }
  return event;
}
