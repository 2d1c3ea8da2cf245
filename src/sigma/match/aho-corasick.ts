/**
 * Case-insensitive multi-needle search: one pass over a field finds every rule literal it contains,
 * however many rules there are. A dense DFA over character classes (only characters that occur in
 * some needle get a class; upper and lower case share one), so the inner loop is a few array reads
 * per character and needs no lowercased copy of the input. Needles must already be lowercase.
 */

/** Receives needle ids found during a scan. */
export interface HitSink {
  mark(id: number): void;
}

/** Above this many DFA cells (states × classes) we fall back to indexOf per needle. */
const MAX_CELLS = 8_000_000;

export class Automaton {
  private readonly ascii = new Uint16Array(128);
  private readonly wide = new Map<number, number>();
  private readonly classes: number;
  private readonly delta: Int32Array;
  private readonly outStart: Int32Array;
  private readonly outIds: Int32Array;
  /** Fallback when the DFA would be too large. */
  private readonly plain?: readonly { text: string; id: number }[];

  constructor(needles: readonly { text: string; id: number }[], maxCells = MAX_CELLS) {
    let next = 1;
    let total = 1;
    const setClass = (code: number, cls: number) => {
      if (code < 128) this.ascii[code] = cls;
      else this.wide.set(code, cls);
    };
    const seen = new Map<number, number>();
    for (const { text } of needles) {
      total += text.length;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (seen.has(code)) continue;
        const cls = next++;
        seen.set(code, cls);
        setClass(code, cls);
        const ch = String.fromCharCode(code);
        const up = ch.toUpperCase();
        if (up.length === 1 && up !== ch && up.toLowerCase() === ch && !seen.has(up.charCodeAt(0)))
          setClass(up.charCodeAt(0), cls);
      }
    }
    const C = next;
    this.classes = C;
    if (total * C > maxCells) {
      this.plain = needles;
      this.delta = new Int32Array(0);
      this.outStart = new Int32Array(0);
      this.outIds = new Int32Array(0);
      return;
    }
    const delta = new Int32Array(total * C).fill(-1);
    const own: number[][] = [[]];
    let states = 1;
    for (const { text, id } of needles) {
      let s = 0;
      for (let i = 0; i < text.length; i++) {
        const c = this.cls(text.charCodeAt(i));
        let n = delta[s * C + c]!;
        if (n < 0) {
          n = states++;
          delta[s * C + c] = n;
          own.push([]);
        }
        s = n;
      }
      own[s]!.push(id);
    }
    const fail = new Int32Array(states);
    const out: number[][] = own.map((o) => [...o]);
    const queue: number[] = [];
    for (let c = 0; c < C; c++) {
      const n = delta[c]!;
      if (n < 0) delta[c] = 0;
      else queue.push(n);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      const f = fail[s]!;
      if (s !== 0 && out[f]!.length) out[s]!.push(...out[f]!);
      for (let c = 0; c < C; c++) {
        const n = delta[s * C + c]!;
        if (n < 0) delta[s * C + c] = delta[f * C + c]!;
        else {
          fail[n] = s === 0 ? 0 : delta[f * C + c]!;
          queue.push(n);
        }
      }
    }
    this.outStart = new Int32Array(states + 1);
    const flat: number[] = [];
    for (let s = 0; s < states; s++) {
      this.outStart[s] = flat.length;
      flat.push(...new Set(out[s]));
    }
    this.outStart[states] = flat.length;
    this.outIds = Int32Array.from(flat);
    // Transitions hold the next state's row offset (state × classes), negated (~) when that state
    // reports needles, so the scan loop needs no multiply and no output lookup on most characters.
    const packed = new Int32Array(states * C);
    for (let i = 0; i < states * C; i++) {
      const n = delta[i]!;
      packed[i] = this.outStart[n] !== this.outStart[n + 1] ? ~(n * C) : n * C;
    }
    this.delta = packed;
  }

  private cls(code: number): number {
    return code < 128 ? this.ascii[code]! : (this.wide.get(code) ?? 0);
  }

  /** Marks every needle that occurs in `s`. */
  scan(s: string, sink: HitSink): void {
    if (this.plain) {
      const lower = s.toLowerCase();
      for (const n of this.plain) if (lower.includes(n.text)) sink.mark(n.id);
      return;
    }
    const { ascii, wide, classes, delta, outStart, outIds } = this;
    let row = 0;
    for (let i = 0, n = s.length; i < n; i++) {
      const code = s.charCodeAt(i);
      let next = delta[row + (code < 128 ? ascii[code]! : (wide.get(code) ?? 0))]!;
      if (next < 0) {
        next = ~next;
        const st = next / classes;
        for (let k = outStart[st]!, e = outStart[st + 1]!; k < e; k++) sink.mark(outIds[k]!);
      }
      row = next;
    }
  }
}
