import { test } from "node:test";
import assert from "node:assert/strict";
import { unpickleString } from "../../src/problems/loaders/pickle.js";

// pickle.dumps('[{"a": "é\\n"}]\n😀', protocol=p) from CPython 3.11, base64-encoded.
const text = '[{"a": "é\\n"}]\n😀';
const byProtocol = [
  "Vlt7ImEiOiAi6Vx1MDA1Y24ifV1cdTAwMGFcVTAwMDFmNjAwCnAwCi4=",
  "WBQAAABbeyJhIjogIsOpXG4ifV0K8J+YgHEALg==",
  "gAJYFAAAAFt7ImEiOiAiw6lcbiJ9XQrwn5iAcQAu",
  "gANYFAAAAFt7ImEiOiAiw6lcbiJ9XQrwn5iAcQAu",
  "gASVGAAAAAAAAACMFFt7ImEiOiAiw6lcbiJ9XQrwn5iAlC4=",
  "gAWVGAAAAAAAAACMFFt7ImEiOiAiw6lcbiJ9XQrwn5iAlC4=",
];

test("a pickled str decodes the same under protocols 0 to 5", () => {
  byProtocol.forEach((b64, protocol) =>
    assert.equal(unpickleString(Buffer.from(b64, "base64")), text, `protocol ${protocol}`),
  );
});

test("the 8-byte-length string opcode decodes", () => {
  const bytes = Buffer.from([0x80, 0x04, 0x8d, 2, 0, 0, 0, 0, 0, 0, 0, 0x68, 0x69, 0x94, 0x2e]);
  assert.equal(unpickleString(bytes), "hi");
});

test("a pickle that is not one plain string is rejected, never run", () => {
  // pickle.dumps(['x'], protocol=4): a list.
  assert.throws(
    () => unpickleString(Buffer.from("gASVCAAAAAAAAABdlIwBeJRhLg==", "base64")),
    /not a plain string \(opcode 0x5d/,
  );
  // A protocol-0 pickle that would call os.system('echo hi') under pickle.loads.
  assert.throws(
    () => unpickleString(Buffer.from("cos\nsystem\n(S'echo hi'\ntR.")),
    /not a plain string \(opcode 0x63 at byte 0\)/,
  );
  assert.throws(() => unpickleString(Buffer.from([0x80, 0x04, 0x8c, 0x05, 0x61])), /ends early/);
  assert.throws(
    () => unpickleString(Buffer.from([0x80, 0x04, 0x8c, 0x01, 0x61, 0x8c, 0x01, 0x62, 0x2e])),
    /more than one string/,
  );
  assert.throws(() => unpickleString(Buffer.from([0x80, 0x04, 0x2e])), /no string/);
});
