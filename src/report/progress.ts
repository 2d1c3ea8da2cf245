/**
 * A one-line progress bar on stderr, redrawn at most 10 times a second. Only on a terminal: piped
 * stderr gets nothing, so logs stay clean.
 */
export class Progress {
  private done = 0;
  private last = 0;
  private readonly started = performance.now();
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private total: number | undefined,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    enabled?: boolean,
  ) {
    this.enabled = enabled ?? Boolean(stream.isTTY);
  }

  setTotal(total: number): void {
    this.total = total;
  }

  tick(n = 1, note = ''): void {
    this.done += n;
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.last < 100 && this.done !== this.total) return;
    this.last = now;
    this.draw(note);
  }

  private draw(note: string): void {
    const cols = this.stream.columns || 80;
    const secs = (performance.now() - this.started) / 1000;
    const rate = secs > 0 ? this.done / secs : 0;
    let text: string;
    if (this.total) {
      const frac = Math.min(1, this.done / this.total);
      const barWidth = Math.max(10, Math.min(30, cols - 60));
      const filled = Math.round(frac * barWidth);
      text = `${this.label} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${this.done}/${this.total} ${rate.toFixed(1)}/s ${note}`;
    } else {
      text = `${this.label} ${this.done} ${rate.toFixed(1)}/s ${note}`;
    }
    this.stream.write(`\r${text.slice(0, cols - 1).padEnd(cols - 1)}`);
  }

  /** Clears the line so the report starts clean. */
  end(): void {
    if (!this.enabled) return;
    const cols = this.stream.columns || 80;
    this.stream.write(`\r${' '.repeat(cols - 1)}\r`);
  }
}
