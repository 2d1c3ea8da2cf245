/**
 * Lookback buffers of one correlation, by group key: the recent events of each group, so an alert can
 * show what led to it. Buffers expire `span` after their group's last event, and at most `max` are kept
 * (the least recently active is dropped first).
 *
 * Expiry runs off a FIFO of (key, time) entries rather than the Map's own order: removing from the
 * front of a JavaScript Map over and over leaves holes that every later iteration has to step over.
 */

/** What the tracker keeps of one event (shared by every buffer it goes into). */
export interface Item {
  t: number;
  uri: string | undefined;
  ua: string | undefined;
  file: string;
  line: number;
  offset: number;
  text: string;
}

export interface Evidence {
  /** Newest event time. */
  last: number;
  /** The time under which the buffer is queued (its FIFO entry). */
  pos: number;
  items: Item[];
  /** Per item: already attributed to an alert of this correlation. */
  used: boolean[];
}

export class EvidenceStore {
  private readonly map = new Map<string, Evidence>();
  private keys: string[] = [];
  private times: number[] = [];
  private head = 0;

  constructor(
    /** How long a buffer outlives its group's last event. */
    private readonly span: number,
    private readonly max: number,
    private readonly perGroup: number,
  ) {}

  get size(): number {
    return this.map.size;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  get(key: string): Evidence | undefined {
    return this.map.get(key);
  }

  add(key: string, item: Item, used: boolean): void {
    let e = this.map.get(key);
    if (e === undefined) {
      while (this.map.size >= this.max && this.head < this.keys.length) this.pop(Number.POSITIVE_INFINITY);
      e = { last: item.t, pos: item.t, items: [], used: [] };
      this.map.set(key, e);
      this.queue(key, e.pos);
    }
    if (item.t > e.last) e.last = item.t;
    e.items.push(item);
    e.used.push(used);
    if (e.items.length > this.perGroup) {
      e.items.shift();
      e.used.shift();
    }
  }

  /** Drops buffers whose group has been quiet for `span` at event time `wm`. */
  expire(wm: number): void {
    while (this.head < this.keys.length && this.times[this.head]! + this.span <= wm) this.pop(wm);
  }

  clear(): void {
    this.map.clear();
    this.keys = [];
    this.times = [];
    this.head = 0;
  }

  entries(): IterableIterator<[string, Evidence]> {
    return this.map.entries();
  }

  restore(key: string, e: Evidence): void {
    this.map.set(key, e);
    this.queue(key, e.pos);
  }

  private queue(key: string, t: number): void {
    this.keys.push(key);
    this.times.push(t);
  }

  /** Takes the oldest FIFO entry: drops its buffer if it is still under that entry and expired at `wm`. */
  private pop(wm: number): void {
    const key = this.keys[this.head]!;
    const t = this.times[this.head]!;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    const e = this.map.get(key);
    if (e === undefined || e.pos !== t) return; // re-queued later, or gone
    if (e.last + this.span <= wm) this.map.delete(key);
    else {
      // Active since it was queued: queue it again under its newest time.
      e.pos = e.last;
      this.queue(key, e.pos);
    }
  }
}
