import type { KnowledgeBase } from '../disclosure/load.js';
import type { SseEvent } from '../mcp/sse-reader.js';
import type { HttpClient, OpenStream, ProbeRequest } from './http.js';
import type { Observation } from './observation.js';
import type { ScanTarget } from './targets.js';

/** Thrown to stop probing a target: budget spent or too many transport errors in a row. */
export class GiveUp extends Error {
  override readonly name = 'GiveUp';
}

export interface ProbeLimits {
  /** Most requests sent to one target. */
  maxRequests: number;
  /** Consecutive transport errors (timeouts, resets, not HTTP) before giving up on a target. */
  maxErrors: number;
}

/** What one target's probes share: the client, the catalogue, the record of what was seen. */
export class ProbeContext {
  readonly observations: Observation[] = [];
  private requests = 0;
  private errorsInARow = 0;
  /** Set when the target is known to speak no HTTP at all. */
  dead = false;
  /** Cleanup (ending our sessions) may exceed the budget: leaving sessions open is worse. */
  cleaning = false;

  constructor(
    readonly http: HttpClient,
    readonly target: ScanTarget,
    readonly kb: KnowledgeBase,
    readonly limits: ProbeLimits,
    readonly clientInfo: { name: string; version: string },
  ) {}

  get requestCount(): number {
    return this.requests;
  }

  url(path: string): string {
    return new URL(path, this.target.origin + '/').toString();
  }

  private account(obs: Observation): void {
    this.observations.push(obs);
    if (obs.error) {
      this.errorsInARow++;
      if (this.errorsInARow >= this.limits.maxErrors) {
        this.dead = true;
        throw new GiveUp(`gave up after ${this.errorsInARow} failed requests in a row (last: ${obs.error})`);
      }
    } else this.errorsInARow = 0;
  }

  private spend(): void {
    if (this.requests >= this.limits.maxRequests && !this.cleaning)
      throw new GiveUp(`request budget of ${this.limits.maxRequests} spent`);
    this.requests++;
  }

  async send(
    req: Omit<ProbeRequest, 'url'> & { path: string },
    until?: (e: SseEvent) => boolean,
  ): Promise<Observation> {
    this.spend();
    const obs = await this.http.send({ ...req, url: this.url(req.path) }, until);
    this.account(obs);
    return obs;
  }

  async open(req: Omit<ProbeRequest, 'url'> & { path: string }, deadlineMs?: number): Promise<OpenStream> {
    this.spend();
    const stream = await this.http.open({ ...req, url: this.url(req.path) }, deadlineMs);
    this.account(stream.observation);
    return stream;
  }
}
