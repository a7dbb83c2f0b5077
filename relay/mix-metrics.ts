// The relay's mix layer in its Prometheus metrics (docs/RELAY.md "Monitor"): frames its mix handled by
// what it did with them and rejects by reason (counted from the mix node's events), frames held in
// delay, its mix client's frames sent, loops sent and lost, relays with mix keys known, and whether it
// is a mix and its client runs (read from the live MixService when scraped).
// Invariant: nothing here tells the operator's real frames from cover. The client's frames are one
// total (a real frame takes a cover frame's tick, so the total is the same Poisson count either way);
// docs/RELAY.md says what loop counts can and cannot give away.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { MixService } from '../src/net/mix/mix-service.ts';
import type { MixAction } from '../src/net/mix/mix-node.ts';

const ACTIONS: readonly MixAction[] = ['relay', 'loop', 'exit', 'drop', 'own-loop', 'reject'];

export class MixMetrics {
  #mix: MixService | undefined;
  readonly #frames: Counter<'action'>;
  readonly #rejects: Counter<'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const self = this;
    this.#frames = new Counter({
      name: 'whisper_mix_frames_total',
      help: "Frames this relay's mix handled, by action: relay (peeled, sent on), loop (a client's loop handed back to it), exit (an envelope reassembled and handed to admission), drop (drop cover ended here), own-loop (one of its own loops back), reject",
      labelNames: ['action'],
      registers,
    });
    for (const action of ACTIONS) this.#frames.inc({ action }, 0);
    this.#rejects = new Counter({
      name: 'whisper_mix_rejects_total',
      help: 'Frames the mix rejected, by reason (bad-mac, replay, bad-length, over-budget, held-full, no-route, send-failed, ...)',
      labelNames: ['reason'],
      registers,
    });
    new Gauge({
      name: 'whisper_mix_frames_held',
      help: 'Frames waiting out their mix delay',
      registers,
      collect() {
        this.set(self.#mix?.node.held ?? 0);
      },
    });
    new Gauge({
      name: 'whisper_mix_relays_known',
      help: 'Relays with a valid mix key record this relay knows, itself included',
      registers,
      collect() {
        this.set(self.#mix?.status().relays ?? 0);
      },
    });
    new Gauge({
      name: 'whisper_mix_enabled',
      help: '1 when this relay is a mix (peels and forwards frames)',
      registers,
      collect() {
        this.set(self.#mix?.isMix ? 1 : 0);
      },
    });
    new Gauge({
      name: 'whisper_mix_client_running',
      help: "1 while the relay's mix client runs (its send clock; dark posts possible), 0 with --mix-client off",
      registers,
      collect() {
        this.set(self.#mix?.active ? 1 : 0);
      },
    });
    rising(registry, 'whisper_mix_client_frames_sent_total', "Frames the relay's mix client sent, real and cover together", () => ({ '': self.#mix?.status().framesSent ?? 0 }));
    rising(registry, 'whisper_mix_loops_sent_total', 'Loop frames sent to come back: client (its mix client) and relay (its cover on relay links)', () => self.#loops('sent'));
    rising(registry, 'whisper_mix_loops_lost_total', 'Loop frames that did not come back in time, by kind', () => self.#loops('lost'));
  }

  /** Follows the relay's mix layer; call once, right after it is built. */
  attach(mix: MixService): void {
    this.#mix = mix;
    mix.node.addEventListener('mix', ({ detail }) => {
      this.#frames.inc({ action: detail.action });
      if (detail.action === 'reject') this.#rejects.inc({ reason: detail.reason ?? 'unknown' });
    });
  }

  #loops(what: 'sent' | 'lost'): Record<string, number> {
    const mix = this.#mix;
    return { client: mix?.client.loopStats()[what] ?? 0, relay: mix?.cover?.stats()[what] ?? 0 };
  }
}

/**
 * A counter that follows a count kept elsewhere (which only rises), read at each scrape: by `kind`,
 * or unlabelled under the key ''.
 */
function rising(registry: Registry, name: string, help: string, read: () => Record<string, number>): void {
  const last = new Map<string, number>();
  const labelled = Object.keys(read()).some((k) => k !== '');
  new Counter({
    name,
    help,
    ...(labelled ? { labelNames: ['kind'] } : {}),
    registers: [registry],
    collect() {
      for (const [kind, n] of Object.entries(read())) {
        const delta = n - (last.get(kind) ?? 0);
        if (delta < 0) continue;
        last.set(kind, n);
        if (kind === '') this.inc(delta);
        else this.inc({ kind }, delta);
      }
    },
  });
}
