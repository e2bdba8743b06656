/**
 * `node dist/bench/main.js NAME` (`npm run bench -- NAME`): runs one benchmark and prints its figures;
 * the last line is always one JSON object, `{"bench": NAME, ...figures}`. Add a benchmark with one line
 * in `benches` (imported lazily, so one benchmark's dependencies never break another).
 */
type Bench = () => Promise<Record<string, unknown>>;

const benches: Record<string, Bench> = {
  exec: async () => (await import("./exec.js")).benchExec(),
  "serve-exec": async () => (await import("./serve-exec.js")).benchServeExec(),
  "serve-prm": async () => (await import("./serve-prm.js")).benchServePrm(),
  engine: async () => (await import("./engine.js")).benchEngine(),
  tokenizer: async () => (await import("./tokenizer.js")).benchTokenizer(),
  generate: async () => (await import("./generate.js")).benchGenerate(),
  sft: async () => (await import("./sft.js")).benchSft(),
  teacher: async () => (await import("./teacher.js")).benchTeacher(),
  ppo: async () => (await import("./ppo.js")).benchPpo(),
  "qwen-0.5b": async () => (await import("./qwen.js")).benchQwen(),
  "grad-ckpt": async () => (await import("./checkpointing.js")).benchCheckpointing(),
};

async function main(): Promise<void> {
  const name = process.argv[2];
  const bench = name === undefined ? undefined : benches[name];
  if (!bench) {
    console.error(
      `usage: node dist/bench/main.js <${Object.keys(benches).join("|")}>${name ? ` (unknown benchmark '${name}')` : ""}`,
    );
    process.exit(2);
  }
  const figures = await bench();
  console.log(JSON.stringify({ bench: name, ...figures }));
}

await main();
