/** The HTML report at the end of a command: written beside its outputs; a failure to write it never fails the command. */
import { writeHtmlReport } from "../report/html/write.js";

/** Writes `dir/report.html`; logs its path (stderr, so stdout keeps each command's own result) or why not. */
export function writeRunReport(
  command: string,
  dir: string,
  log: (line: string) => void = (l) => console.error(l),
): string | null {
  try {
    const written = writeHtmlReport(dir);
    log(`${command}: report ${written.path} (open it in a browser, or: linewise view ${dir})`);
    return written.path;
  } catch (e) {
    log(
      `${command}: warning: no report.html (${(e as Error).message}); run 'linewise report ${dir}' to retry`,
    );
    return null;
  }
}
