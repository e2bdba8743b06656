import { test } from "node:test";
import assert from "node:assert/strict";
import { segmentResponse, segmentSteps, type Step } from "../../src/labels/segment.js";

const texts = (steps: Step[]) => steps.map((s) => s.text);
const neutral = (steps: Step[]) => steps.filter((s) => s.neutral).map((s) => s.text);

/** A deterministic generator of programs: valid code, comments, blank lines, CRLF, tabs, broken lines. */
function randomProgram(seed: number): string {
  let h = seed * 2654435761;
  const rand = (n: number) => {
    h = (Math.imul(h ^ (h >>> 13), 1274126177) + 0x6d2b79f5) >>> 0;
    return h % n;
  };
  const fragments = [
    "def f(a, b):\n",
    '    """Doc\n    # not a comment\n    """\n',
    "    x = a + b\n",
    "    if x > 1:\n",
    "        return [i for i in\n                range(x)]\n",
    "\n",
    "   \n",
    "    # comment\n",
    "\tfor i in range(3):\n",
    "\t\tprint(i)  # trailing\n",
    "    s = '# in a string'\n",
    "    y = (1,\r\n         2)\r\n",
    "x = ((\n",
    "    return x",
    "class C:\n    def m(self):\n        pass\n",
    "é = '😀'\n",
    "a = 1; b = 2\n",
    "if a: b = 3\n",
  ];
  const n = 1 + rand(12);
  return Array.from({ length: n }, () => fragments[rand(fragments.length)]).join("");
}

test("steps concatenate exactly to the response, for lines and blocks, valid or broken, any prompt split", async () => {
  for (let seed = 0; seed < 150; seed++) {
    const code = randomProgram(seed);
    const split = seed % 3 === 0 ? 0 : (seed * 7919) % (code.length + 1);
    const [prompt, response] = [code.slice(0, split), code.slice(split)];
    for (const granularity of ["line", "block"] as const) {
      const { steps } = await segmentResponse(prompt, response, granularity);
      assert.equal(texts(steps).join(""), response, `seed ${seed} ${granularity}`);
      let at = 0;
      for (const s of steps) {
        assert.equal(s.start, at);
        assert.equal(response.slice(s.start, s.end), s.text);
        assert.ok(s.end > s.start, "no empty steps");
        at = s.end;
      }
    }
  }
});

test("lines: blank, comment-only and docstring lines are neutral; a '#' inside a string is not a comment", async () => {
  const code = [
    '"""Module docstring."""',
    "def f(x):",
    "    '''Function docstring",
    "    # still the docstring",
    "    '''",
    "",
    "    # a comment",
    "    s = '# not a comment'",
    '    t = """',
    "# not a comment either",
    '"""',
    "    return s  # trailing comments do not make a line neutral",
    "",
  ].join("\n");
  const steps = await segmentSteps(code, "line");
  assert.deepEqual(neutral(steps), [
    '"""Module docstring."""\n',
    "    '''Function docstring\n",
    "    # still the docstring\n",
    "    '''\n",
    "\n",
    "    # a comment\n",
  ]);
  assert.ok(steps.some((s) => s.text === "# not a comment either\n" && !s.neutral));
});

test("a string statement that is not first in its body is not a docstring", async () => {
  const steps = await segmentSteps('def f():\n    x = 1\n    "not a docstring"\n    return x\n', "line");
  assert.deepEqual(neutral(steps), []);
});

test("blocks: a compound statement with its whole body is one step, nested if inside for included", async () => {
  const prompt = 'def f(xs):\n    """Sum the positive odd numbers."""\n';
  const response = [
    "    total = 0",
    "    for x in xs:",
    "        if x > 0:",
    "            if x % 2:",
    "                total += x",
    "    # done",
    "    return total",
    "",
  ].join("\n");
  const { steps, syntaxError } = await segmentResponse(prompt, response, "block");
  assert.equal(syntaxError, false);
  assert.deepEqual(texts(steps), [
    "    total = 0\n",
    "    for x in xs:\n        if x > 0:\n            if x % 2:\n                total += x\n",
    "    # done\n",
    "    return total\n",
  ]);
  assert.deepEqual(
    steps.map((s) => s.neutral),
    [false, false, true, false],
  );
});

test("blocks: a multi-line simple statement and statements sharing a line are one step each", async () => {
  const steps = await segmentSteps(
    "x = [1,\n     2]\na = 1; b = 2\nif a: b = 3\nprint(x,\n      a)\n",
    "block",
  );
  assert.deepEqual(texts(steps), [
    "x = [1,\n     2]\n",
    "a = 1; b = 2\n",
    "if a: b = 3\n",
    "print(x,\n      a)\n",
  ]);
});

test("blocks: top-level definitions are split into their header and body statements", async () => {
  const code =
    "import math\n\n@decorator\ndef f(x):\n    y = x\n    return y\n\nclass C:\n    def m(self):\n        def g():\n            return 1\n        return g()\n";
  const steps = await segmentSteps(code, "block");
  assert.deepEqual(texts(steps), [
    "import math\n",
    "\n",
    "@decorator\ndef f(x):\n",
    "    y = x\n",
    "    return y\n",
    "\n",
    "class C:\n",
    "    def m(self):\n",
    "        def g():\n            return 1\n",
    "        return g()\n",
  ]);
});

test("CRLF line endings stay inside their steps", async () => {
  const code = "def f(n):\r\n    s = 0\r\n    for i in range(n):\r\n        s += i\r\n\r\n    return s\r\n";
  assert.deepEqual(texts(await segmentSteps(code, "block")), [
    "def f(n):\r\n",
    "    s = 0\r\n",
    "    for i in range(n):\r\n        s += i\r\n",
    "\r\n",
    "    return s\r\n",
  ]);
  const lines = await segmentSteps(code, "line");
  assert.equal(lines.length, 6);
  assert.deepEqual(neutral(lines), ["\r\n"]);
});

test("tab indentation and a final line without a newline", async () => {
  const code = "def f(n):\n\tif n:\n\t\treturn 1\n\treturn 0";
  assert.deepEqual(texts(await segmentSteps(code, "block")), [
    "def f(n):\n",
    "\tif n:\n\t\treturn 1\n",
    "\treturn 0",
  ]);
  assert.deepEqual(texts(await segmentSteps(code, "line")), [
    "def f(n):\n",
    "\tif n:\n",
    "\t\treturn 1\n",
    "\treturn 0",
  ]);
});

test("unparsable input is segmented by lines and says so", async () => {
  const response = "    if x > :\n        return (1,\n    # a comment\n";
  const result = await segmentResponse("def f(x):\n", response, "block");
  assert.equal(result.syntaxError, true);
  assert.equal(result.granularity, "line");
  assert.deepEqual(texts(result.steps), ["    if x > :\n", "        return (1,\n", "    # a comment\n"]);
  assert.deepEqual(neutral(result.steps), ["    # a comment\n"]);
});

test("a response continuing the prompt's last line starts mid-line", async () => {
  const { steps } = await segmentResponse("def f(x):\n    return", " x + 1\n", "line");
  assert.deepEqual(steps, [{ text: " x + 1\n", start: 0, end: 7, neutral: false }]);
});

test("empty response has no steps", async () => {
  assert.deepEqual((await segmentResponse("def f():\n    pass\n", "", "block")).steps, []);
});
