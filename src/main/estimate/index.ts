/** Time and disk before a long job starts: this machine's measured speed, the work of each job, the free-space check. */
export { measureSpeed, speedFrom, measurementOf, median, RECENT_JOBS, type Measurement } from './speed.js';
export { estimateJob, jobTime, jobWork, requireRoomForJob, parametersOf, besideWeightsBytes } from './job.js';
export { freeBytesAt, diskRefusal, requireDiskRoom, DISK_MARGIN_BYTES, type Statfs } from './disk.js';
export { scoreWork, probeWork, evalWork, applyWork, trainWork, exportWork, trainShape, SMALL_OUTPUT_BYTES } from './work.js';
