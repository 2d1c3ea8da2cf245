/** Messages between the detect main thread and its parse+match workers. */
import type { PackSpec } from '../alerts/pack.js';
import type { LogStats } from '../logs/pipeline.js';
import type { MatchBatch } from './match-batch.js';
import type { PrefilterPlan } from './prefilter.js';

export interface WorkerInit {
  spec: PackSpec;
  /** Event fields to send back for matching events (AlertRuntime.fieldsFor). */
  fields: string[];
  /** The prefilter (planPrefilter), or null for none. */
  prefilter: PrefilterPlan | null;
}

export interface WorkerTask {
  id: number;
  file: string;
  /** A format name or format string (never `auto`: the main thread sniffs first). */
  format: string;
  /** Byte range [start, end), both at line starts (end may be the file size). */
  start: number;
  end: number;
  /** The file's last range: an unterminated last line still counts. */
  last: boolean;
  maxLineBytes: number;
}

export type WorkerReply =
  | { id: number; batch: MatchBatch; stats: LogStats; error?: undefined }
  | { id: number; error: string; batch?: undefined; stats?: undefined };
