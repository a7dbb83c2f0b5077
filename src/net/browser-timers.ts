// The browser role's relaxed timers (docs/BENCHMARKS.md "Idle cost with 10 000 envelopes"): an
// extension at rest should cost next to nothing, and its links are few (a relay and at most 8 WebRTC
// neighbours), so it wakes less often than a relay. What does not move: publishing and forwarding to
// mesh peers are immediate (the latency goal rides on them), and scores decay at the same rate per
// second, only in fewer, larger steps.

import type { GossipsubOpts } from '@libp2p/gossipsub';
import type { PeerScoreParams, TopicScoreParams } from '@libp2p/gossipsub/score';
import { scoreParams, type WhisperGossipInit } from './gossip.ts';

/**
 * Gossipsub heartbeat: mesh upkeep and IHAVE gossip to non-mesh neighbours (relays keep 1 s, so a
 * browser joining a relay is grafted within a second by the relay's side).
 */
export const BROWSER_HEARTBEAT_MS = 3000;
/** Score refresh period; every per-interval decay factor is raised to the matching power. */
export const BROWSER_SCORE_DECAY_MS = 5000;
/**
 * Liveness pings per connection (libp2p's connection monitor; default 10 s). Yamux's own keepalive
 * (another ping every 30 s) is off in the browser: the monitor's ping already keeps NATs and proxies
 * open and finds dead links.
 */
export const BROWSER_PING_MS = 30_000;
/** The neighbour keeper's fallback check (default 5 s); a lost link or a new candidate checks at once. */
export const BROWSER_NEIGHBOUR_TICK_MS = 15_000;

/** gossipsub's defaults, the interval TOPIC_SCORE's factors are written for and its behaviour decay. */
const DEFAULT_DECAY_MS = 1000;
const DEFAULT_BEHAVIOUR_DECAY = 0.2;

function slowerTopic(t: TopicScoreParams, k: number): TopicScoreParams {
  return {
    ...t,
    firstMessageDeliveriesDecay: t.firstMessageDeliveriesDecay ** k,
    meshMessageDeliveriesDecay: t.meshMessageDeliveriesDecay ** k,
    meshFailurePenaltyDecay: t.meshFailurePenaltyDecay ** k,
    invalidMessageDeliveriesDecay: t.invalidMessageDeliveriesDecay ** k,
  };
}

/**
 * The browser's gossipsub init: the relaxed heartbeat and score refresh over `gossip` (whatever it
 * sets itself wins: tests speed the heartbeat up).
 */
export function browserGossip(gossip: WhisperGossipInit = {}): WhisperGossipInit {
  const params: Partial<PeerScoreParams> = gossip.options?.scoreParams ?? scoreParams(gossip);
  if (params.decayInterval !== undefined) return { heartbeatInterval: BROWSER_HEARTBEAT_MS, ...gossip };
  const k = BROWSER_SCORE_DECAY_MS / DEFAULT_DECAY_MS;
  const topics = Object.fromEntries(Object.entries(params.topics ?? {}).map(([name, t]) => [name, slowerTopic(t, k)]));
  const options: Partial<GossipsubOpts> = {
    ...gossip.options,
    scoreParams: {
      ...params,
      topics,
      behaviourPenaltyDecay: (params.behaviourPenaltyDecay ?? DEFAULT_BEHAVIOUR_DECAY) ** k,
      decayInterval: BROWSER_SCORE_DECAY_MS,
    },
  };
  return { heartbeatInterval: BROWSER_HEARTBEAT_MS, ...gossip, options };
}
