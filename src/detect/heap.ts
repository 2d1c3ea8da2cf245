/**
 * Keeps a thread's heap near its live size during a long batch run.
 *
 * Reading a log allocates a lot that dies soon (events, batches) and some state that dies after a
 * correlation window (minutes); the latter is promoted to the old generation, and V8 lets the old
 * generation grow to three or four times the live set before collecting it. On a log with a million
 * sources that was the difference between 250 and 450 MiB of peak RSS. So after each batch we look at
 * the used heap (cheap), and once it has doubled since the last collection (and is past a floor) we
 * ask for a full collection: a few milliseconds per hundred MiB of garbage.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/** V8's gc(), made available without starting node with --expose-gc. */
function gcFunction(): (() => void) | undefined {
  if (collect) return collect;
  try {
    setFlagsFromString('--expose-gc');
    const fn: unknown = runInNewContext('gc');
    if (typeof fn === 'function') collect = fn as () => void;
  } catch {
    collect = undefined;
  }
  return collect;
}

export class HeapGuard {
  private readonly gc = gcFunction();
  private live = 0;

  /** `floorMiB`: below this used heap, never collect by hand. */
  constructor(private readonly floorMiB = 64) {}

  /** Call between batches. */
  check(): void {
    if (!this.gc) return;
    const used = getHeapStatistics().used_heap_size;
    if (used < this.floorMiB * 1048576 || used < 2 * this.live) return;
    this.gc();
    this.live = getHeapStatistics().used_heap_size;
  }
}
