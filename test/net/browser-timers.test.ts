// The browser role's relaxed timers (src/net/browser-timers.ts): a slower heartbeat and score refresh
// with the same decay per second, and the caller's own settings still win.
import { describe, expect, it } from 'vitest';
import { GOSSIP_TOPIC } from '../../src/core/constants.ts';
import { BROWSER_HEARTBEAT_MS, BROWSER_SCORE_DECAY_MS, browserGossip } from '../../src/net/browser-timers.ts';
import { TOPIC_SCORE } from '../../src/net/gossip.ts';

describe('browserGossip', () => {
  it('relaxes the heartbeat and the score refresh, keeping the decay per second', () => {
    const g = browserGossip();
    expect(g.heartbeatInterval).toBe(BROWSER_HEARTBEAT_MS);
    const p = g.options?.scoreParams;
    expect(p?.decayInterval).toBe(BROWSER_SCORE_DECAY_MS);
    const k = BROWSER_SCORE_DECAY_MS / 1000;
    const t = p?.topics?.[GOSSIP_TOPIC];
    expect(t?.invalidMessageDeliveriesDecay).toBeCloseTo(TOPIC_SCORE.invalidMessageDeliveriesDecay ** k, 12);
    expect(t?.firstMessageDeliveriesDecay).toBeCloseTo(TOPIC_SCORE.firstMessageDeliveriesDecay ** k, 12);
    expect(t?.invalidMessageDeliveriesWeight).toBe(TOPIC_SCORE.invalidMessageDeliveriesWeight);
    expect(p?.behaviourPenaltyDecay).toBeCloseTo(0.2 ** k, 12);
    // Per second, the counter of invalid envelopes decays as it does on a relay.
    expect(t!.invalidMessageDeliveriesDecay ** (1000 / BROWSER_SCORE_DECAY_MS)).toBeCloseTo(TOPIC_SCORE.invalidMessageDeliveriesDecay, 12);
  });

  it("keeps what the caller set: a test's fast heartbeat, its own decay interval", () => {
    expect(browserGossip({ heartbeatInterval: 100 }).heartbeatInterval).toBe(100);
    const own = browserGossip({ options: { scoreParams: { decayInterval: 700 } } });
    expect(own.options?.scoreParams?.decayInterval).toBe(700);
  });
});
