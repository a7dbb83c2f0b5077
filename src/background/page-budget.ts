// What all the Ports of one site, and of one tab, may hold in the background at once (docs/API.md
// "Limits"). Each frame opens its own Port with its own queue, so a per-Port bound alone lets a page
// multiply it by frames; this budget counts queued requests and their bytes per origin and per tab
// across Ports, caps the Ports of an origin, and refuses large requests behind a blocked queue (one
// whose shh_requestIdentities has waited blockedAfterMs on the user: the site is not connected then,
// so nothing it could send needs more than a few bytes). Invariant: every admitted
// request is released exactly once, so the counts return to zero when the queues drain.

export interface PageBudgetLimits {
  /** Ports (frames) one origin may have open, every tab together. */
  portsPerOrigin: number;
  /** Requests queued or running, all Ports of an origin together, and their JSON bytes. */
  requestsPerOrigin: number;
  bytesPerOrigin: number;
  /** The same for all the frames of one tab, whatever their origins. */
  requestsPerTab: number;
  bytesPerTab: number;
  /** Above this, a request is refused while its Port's queue is blocked. */
  largeRequestBytes: number;
  /** A queue whose approval has waited this long counts as blocked. */
  blockedAfterMs: number;
}

const MiB = 1024 * 1024;
/**
 * Defaults: 64 frames of one site is far beyond any DApp (a frame per open tab of it plus its iframes);
 * 32 MiB per site and 16 MiB per tab bound what a hostile page can park behind an unanswered approval
 * (it held 1 GiB with two frames before) while leaving room for 8 full-size (2 MiB) requests per tab.
 */
export const PAGE_BUDGET: PageBudgetLimits = {
  portsPerOrigin: 64,
  requestsPerOrigin: 1024,
  bytesPerOrigin: 32 * MiB,
  requestsPerTab: 512,
  bytesPerTab: 16 * MiB,
  largeRequestBytes: 64 * 1024,
  blockedAfterMs: 2000,
};

interface Use {
  requests: number;
  bytes: number;
}

export class PageBudget {
  readonly limits: PageBudgetLimits;
  readonly #ports = new Map<string, number>();
  readonly #origins = new Map<string, Use>();
  readonly #tabs = new Map<number, Use>();

  constructor(limits: Partial<PageBudgetLimits> = {}) {
    this.limits = { ...PAGE_BUDGET, ...limits };
  }

  /** A Port of `origin` connects; false (and nothing counted) beyond the cap. */
  openPort(origin: string): boolean {
    const n = this.#ports.get(origin) ?? 0;
    if (n >= this.limits.portsPerOrigin) return false;
    this.#ports.set(origin, n + 1);
    return true;
  }

  /** A Port admitted by openPort went away. */
  closePort(origin: string): void {
    const n = (this.#ports.get(origin) ?? 1) - 1;
    if (n > 0) this.#ports.set(origin, n);
    else this.#ports.delete(origin);
  }

  /**
   * Admits a request of `bytes` from a frame of `origin` in tab `tab`; `blockedFor` is how long its
   * Port's approval has waited (0 when none). Returns the release function, or why it is refused.
   */
  admit(origin: string, tab: number, bytes: number, blockedFor: number): (() => void) | string {
    const l = this.limits;
    if (blockedFor >= l.blockedAfterMs && bytes > l.largeRequestBytes)
      return `request of ${bytes} bytes refused while this page waits on an earlier one: at most ${l.largeRequestBytes} bytes until it is answered`;
    const o = this.#origins.get(origin) ?? { requests: 0, bytes: 0 };
    const t = this.#tabs.get(tab) ?? { requests: 0, bytes: 0 };
    if (o.requests + 1 > l.requestsPerOrigin || o.bytes + bytes > l.bytesPerOrigin)
      return `too many requests in flight for this site: at most ${l.requestsPerOrigin} requests and ${l.bytesPerOrigin / MiB} MiB across its frames`;
    if (t.requests + 1 > l.requestsPerTab || t.bytes + bytes > l.bytesPerTab)
      return `too many requests in flight for this tab: at most ${l.requestsPerTab} requests and ${l.bytesPerTab / MiB} MiB across its frames`;
    o.requests++;
    o.bytes += bytes;
    t.requests++;
    t.bytes += bytes;
    this.#origins.set(origin, o);
    this.#tabs.set(tab, t);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      release(this.#origins, origin, bytes);
      release(this.#tabs, tab, bytes);
    };
  }

  /** What is counted now (tests, diagnostics). */
  usage(): { ports: number; requests: number; bytes: number } {
    let requests = 0;
    let bytes = 0;
    for (const u of this.#origins.values()) (requests += u.requests), (bytes += u.bytes);
    return { ports: [...this.#ports.values()].reduce((a, b) => a + b, 0), requests, bytes };
  }
}

function release<K>(map: Map<K, Use>, key: K, bytes: number): void {
  const u = map.get(key);
  if (!u) return;
  u.requests--;
  u.bytes -= bytes;
  if (u.requests <= 0) map.delete(key);
}
