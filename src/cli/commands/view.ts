/** `linewise view RUN [--port N]`: serves RUN's report.html on 127.0.0.1 (writing it first when missing). */
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import type { Command } from "../command.js";
import { UsageError } from "../command.js";
import { numberOption, parseOptions } from "../args.js";
import { reportFile, ReportFolderError, writeHtmlReport } from "../../report/html/write.js";

const help = `Usage: linewise view RUN [--port N]

Serves RUN/report.html (see 'linewise report') at http://127.0.0.1:N/ until Ctrl-C, writing the report
first when RUN has none. Only this machine can connect; to look from another, forward the port
(ssh -L N:127.0.0.1:N host). The report also opens straight from the file, with no server.

Options:
  --port N   the port (default 8700; 0 picks a free one)

Example:
  linewise view runs/demo-2026-01-01 --port 8080`;

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".md": "text/markdown; charset=utf-8",
};

export const viewCommand: Command = {
  name: "view",
  summary: "serve a run's report.html on 127.0.0.1 (--port N)",
  help,
  async run(argv) {
    const { values, positionals } = parseOptions("view", argv, { port: { type: "string" } });
    if (positionals.length !== 1)
      throw new UsageError("linewise view: give one run folder, e.g. 'linewise view runs/demo-2026-01-01'");
    const root = resolve(positionals[0]!);
    const port = numberOption("view", "port", values.port, 8700);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`linewise view: --port expects an integer 0-65535, got '${values.port}'`);
    try {
      if (!existsSync(join(root, reportFile))) writeHtmlReport(root);
    } catch (e) {
      if (e instanceof ReportFolderError) throw new UsageError(`linewise view: ${e.message}`);
      throw e;
    }
    const server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
      const file = normalize(join(root, path === "/" ? reportFile : path));
      // Only files inside the run folder.
      if ((file !== root && !file.startsWith(root + sep)) || !existsSync(file) || !statSync(file).isFile()) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
        return;
      }
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((done, fail) => {
      server.once("error", (e: NodeJS.ErrnoException) =>
        fail(
          e.code === "EADDRINUSE"
            ? new UsageError(`linewise view: port ${port} is in use; pick another with --port N`)
            : e,
        ),
      );
      server.listen(port, "127.0.0.1", () => done());
    });
    const address = server.address();
    const bound = typeof address === "object" && address ? address.port : port;
    console.log(`http://127.0.0.1:${bound}/`);
    console.error(`view: serving ${join(root, reportFile)}; Ctrl-C stops`);
    await new Promise<void>((done) => {
      const stop = () => server.close(() => done());
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    return 0;
  },
};
