/** Run folders: config snapshots, metrics (JSONL and TensorBoard), atomic checkpoints, resume, progress. */
export { RunFolder, RunFolderError, readRunConfig, runConfigFile } from "./run-folder.js";
export { listCheckpoints, latestCheckpoint, checkpointsDir, trainerStateFile, type CheckpointInfo } from "./checkpoints.js";
export { readMetrics, metricsFile, type MetricsRow } from "./metrics.js";
export { EventFileWriter } from "./tfevents.js";
export { resolveConfig, checkResumedConfig, resumableFields, ConfigError } from "./config.js";
export { writeFileAtomic, writeDirAtomic } from "./atomic.js";
export { lockFolder } from "./lock.js";
export { Progress, type ProgressOptions, type ProgressFields, type ProgressStream } from "./progress.js";
