import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { OpenAIGenerator } from "../../src/generate/openai.js";

/** A loopback server speaking /v1/completions; `failFirst` answers 503 to its first N requests. */
async function fakeServer(
  name: string,
  failFirst = 0,
): Promise<{ url: string; server: Server; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  let seen = 0;
  const server = createServer((req, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      seen += 1;
      const body = JSON.parse(data);
      bodies.push(body);
      if (req.url !== "/v1/completions" || seen <= failFirst) {
        res.writeHead(503).end("busy");
        return;
      }
      const choices = Array.from({ length: body.n }, (_, i) => ({
        index: body.n - 1 - i,
        text: `${name}:${body.prompt}:${body.n - 1 - i}`,
        finish_reason: i === 0 ? "length" : "stop",
      }));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ choices }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server, bodies };
}

test("sends the OpenAI fields and returns n choices per request in index order", async () => {
  const a = await fakeServer("a");
  try {
    const gen = new OpenAIGenerator({ urls: [a.url] });
    const out = await gen.complete([
      { prompt: "p1", n: 2, maxTokens: 16, temperature: 0.7, topP: 0.9, stop: ["\n\n"] },
    ]);
    assert.deepEqual(
      out[0]!.map((c) => c.text),
      ["a:p1:0", "a:p1:1"],
    );
    assert.equal(out[0]![1]!.finishReason, "length");
    assert.deepEqual(a.bodies[0], {
      model: "default",
      prompt: "p1",
      n: 2,
      max_tokens: 16,
      temperature: 0.7,
      top_p: 0.9,
      stop: ["\n\n"],
    });
  } finally {
    a.server.close();
  }
});

test("round-robins over URLs and retries a failing server on the next one", async () => {
  const a = await fakeServer("a", 100); // always busy
  const b = await fakeServer("b");
  try {
    const gen = new OpenAIGenerator({ urls: [a.url, b.url], backoffMs: 1, concurrency: 1 });
    const out = await gen.complete([
      { prompt: "x", n: 1, maxTokens: 4 },
      { prompt: "y", n: 1, maxTokens: 4 },
    ]);
    assert.deepEqual(
      out.map((c) => c[0]!.text),
      ["b:x:0", "b:y:0"],
    );
    assert.ok(a.bodies.length >= 1 && b.bodies.length === 2);
  } finally {
    a.server.close();
    b.server.close();
  }
});

test("gives up with a clear error after the retries", async () => {
  const a = await fakeServer("a", 100);
  try {
    const gen = new OpenAIGenerator({ urls: [a.url], retries: 2, backoffMs: 1 });
    await assert.rejects(
      gen.complete([{ prompt: "x", n: 1, maxTokens: 4 }]),
      /failed after 2 attempts: .*HTTP 503/,
    );
  } finally {
    a.server.close();
  }
});
