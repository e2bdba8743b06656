/** A run folder that cannot be used as asked (it already holds a run, its config is unreadable, another process has it, …). */
export class RunFolderError extends Error {
  override name = "RunFolderError";
}
