// The libp2p node a Whisper peer runs on (docs/PROTOCOL.md §3), in three roles: 'relay' (Node.js: WebSockets
// listener, circuit relay v2 server for WebRTC signalling), 'browser' (dials relays over WebSockets,
// WebRTC to other browsers) and 'test' (memory transport, many nodes in one process). Noise, yamux,
// identify, ping and gossipsub always; browser discovery (discovery.ts) announces in the browser role
// and is forwarded by relays. Nothing Node-only is imported here: TCP comes in through `transports`.
// Over 300 lines: the three roles' libp2p options are one table; split, the differences would hide.

import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { circuitRelayServer, circuitRelayTransport, type CircuitRelayService } from '@libp2p/circuit-relay-v2';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { GossipSub, GossipsubOpts } from '@libp2p/gossipsub';
import { identify, type Identify } from '@libp2p/identify';
import type { ConnectionGater, Libp2p, PrivateKey, Transport } from '@libp2p/interface';
import { memory } from '@libp2p/memory';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { ping, type Ping } from '@libp2p/ping';
import { isPrivate } from '@libp2p/utils';
import type { WebRTCTransportInit } from '@libp2p/webrtc';
import { webSockets, type WebSocketsInit } from '@libp2p/websockets';
import { DEFAULT_PER_IP_LIMITS, perIpGater, type PerIpLimits } from './per-ip.ts';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2pOptions } from 'libp2p';
import { GOSSIP_TOPIC } from '../core/constants.ts';
import { DISCOVERY_TOPIC } from './announcement.ts';
import { BROWSER_PING_MS, browserGossip } from './browser-timers.ts';
import { browserDiscovery, DISCOVERY_TOPIC_SCORE, type BrowserDiscovery, type DiscoveryInit } from './discovery.ts';
import { IDONTWANT_MIN_BYTES, scoreParams, TOPIC_SCORE, whisperGossipsub, type WhisperGossipInit } from './gossip.ts';
import { oneMessagePerFrame } from './ws-frames.ts';

export type WhisperNodeRole = 'relay' | 'browser' | 'test';

/** The public GossipSub interface plus the scoring and mesh accessors its implementation has. */
export type WhisperGossipSub = GossipSub & {
  getMeshPeers(topic: string): string[];
  getScore(peerId: string): number;
};

// A type alias, not an interface: libp2p's ServiceMap needs the implicit index signature.
export type WhisperServices = {
  identify: Identify;
  ping: Ping;
  pubsub: WhisperGossipSub;
  relay?: CircuitRelayService;
  /** Browser discovery: announcing in the browser role, forwarding on relays, absent in tests unless asked. */
  discovery?: BrowserDiscovery;
};

export type WhisperLibp2p = Libp2p<WhisperServices>;

/** Limits of the relay's circuit relay v2 server; see DEFAULT_RELAY_LIMITS for why these values. */
export interface RelayLimits {
  maxReservations: number;
  reservationTtlMs: number;
  durationLimitMs: number;
  dataLimitBytes: bigint;
  maxConnections: number;
  /** Inbound connections accepted per second from one IP address (libp2p's inboundConnectionThreshold). */
  inboundPerHostPerSecond: number;
  /** Inbound connections still in their handshake at once (libp2p's maxIncomingPendingConnections). */
  maxIncomingPending: number;
}

// libp2p's defaults (15 reservations, 2 min and 128 KiB per relayed connection) suit a relay that
// helps a few peers punch holes. Ours is the rendezvous of every browser of a deployment: each
// browser holds one reservation for as long as it is online, so reservations must number in the
// thousands and the connection manager must admit as many connections. A relayed connection only
// carries the WebRTC SDP offer/answer and ICE candidates (a few KiB), but candidate trickling on
// slow networks and identify/ping on top can outlast 2 min and 128 KiB; 10 min and 1 MiB leave room
// without letting two browsers use the relay as a free data pipe (gossipsub refuses limited
// connections, so envelopes never travel over them).
export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  maxReservations: 1024,
  reservationTtlMs: 2 * 60 * 60 * 1000,
  durationLimitMs: 10 * 60 * 1000,
  dataLimitBytes: 1n << 20n,
  maxConnections: 2048,
  // libp2p admits 5 connections a second from one IP and 10 handshakes at once. Browsers behind one
  // NAT or a TLS proxy in front of the relay (every browser then comes from the proxy's address)
  // would take minutes to reconnect after a relay restart: 1 000 browsers at 5 a second is 200 s,
  // against the 5 s the hardening issue asks. 50 a second and 64 handshakes keep a bound per host.
  inboundPerHostPerSecond: 50,
  maxIncomingPending: 64,
};

// Gossipsub meshes a peer with D=6 (at most Dhi=12) others and reaches the rest only by lazy IHAVE
// gossip at heartbeats. A relay is the one neighbour of most browsers behind it: with the defaults
// it would push each envelope to ~6-12 of them and leave the others to gossip (late, sometimes
// never: measured in docs/BENCHMARKS.md "Relay under load"). So the relay meshes with every
// subscribed peer it is connected to: D, Dlo and Dhi at its connection limit, meaning it accepts
// every GRAFT, grafts every subscriber at each heartbeat and never prunes for excess (scores still
// prune misbehaving peers). Browsers keep the defaults: relay plus <= 8 WebRTC neighbours < Dhi.
/** Gossipsub options of the relay role's mesh, for a relay admitting `maxConnections` connections. */
export function relayMesh(maxConnections: number = DEFAULT_RELAY_LIMITS.maxConnections): Partial<GossipsubOpts> {
  return { D: maxConnections, Dlo: maxConnections, Dhi: maxConnections };
}

type TransportFactory = NonNullable<Libp2pOptions['transports']>[number];

export interface WhisperNodeInit {
  role: WhisperNodeRole;
  /** The node's identity; the relay passes its persisted key. A fresh Ed25519 key otherwise. */
  privateKey?: PrivateKey;
  /**
   * Listen addresses, replacing the role's defaults (relay: `/ip4/<host>/tcp/<port>/ws`, browser:
   * `/p2p-circuit` and `/webrtc`); a relay adding TCP passes both its ws and tcp addresses here.
   */
  listen?: string[];
  /** Addresses to announce instead of the listen addresses (a relay behind NAT or a proxy). */
  announce?: string[];
  /** relay: WebSocket listen host and port (defaults 0.0.0.0 and 9090, docs/PROTOCOL.md §5). */
  host?: string;
  port?: number;
  /** Extra transports from the caller, e.g. `tcp()` on the relay (Node-only, so not imported here). */
  transports?: TransportFactory[];
  /**
   * browser: relay addresses (e.g. `/ip4/127.0.0.1/tcp/9090/ws`) the node may dial although the
   * browser default refuses plain `ws` and private or loopback IPs. Circuit addresses through these
   * relays are allowed too; every other address keeps the browser's default.
   */
  allowedRelays?: string[];
  /** browser: WebRTC options, e.g. `rtcConfiguration` with the deployment's STUN/TURN servers. */
  webrtc?: WebRTCTransportInit;
  /**
   * browser: relays only, no direct links to other browsers (docs/PRIVACY.md "Relays only"): no
   * WebRTC transport (no dials, nothing accepted), no circuit reservation (nobody can reach us through
   * a relay), no discovery announcements. Another browser then never learns our IP addresses.
   */
  relaysOnly?: boolean;
  /** relay: circuit relay server limits. */
  relayLimits?: Partial<RelayLimits>;
  /** Relay role: connections and circuit reservations per IP address (per-ip.ts; 0 turns one off). */
  perIp?: Partial<PerIpLimits>;
  /** Gossipsub tuning (heartbeat, scoring, max message size, coalescing). */
  gossip?: WhisperGossipInit;
  /**
   * One WebSocket message per Noise frame (ws-frames.ts; default true). false only to measure the
   * stock send path against it (bench/load.ts).
   */
  joinWsFrames?: boolean;
  /**
   * Browser discovery on /shh/6/discovery/1.0.0. Defaults: browser 'announce', relay 'forward',
   * test off; `false` turns it off.
   */
  discovery?: (Omit<DiscoveryInit, 'mode'> & { mode?: DiscoveryInit['mode'] }) | false;
  /**
   * Budget of one dial, all addresses together, and of each address (libp2p: 10 s and 6 s). The
   * browser role defaults to 30 s and 20 s: a WebRTC dial signals through a relay's circuit, then
   * gathers ICE candidates and runs DTLS, and on a loaded machine that outlasted 6 s.
   */
  dialTimeoutMs?: number;
  addressDialTimeoutMs?: number;
  /** relay: WebSocket transport options, e.g. `https` with the certificate for a `/tls/ws` listen address. */
  webSockets?: WebSocketsInit;
  /** libp2p's metrics implementation (the relay passes @libp2p/prometheus-metrics); none by default. */
  metrics?: Libp2pOptions['metrics'];
}

/** The browser role's dial budgets (see WhisperNodeInit.dialTimeoutMs). */
export const BROWSER_DIAL_TIMEOUT_MS = 30_000;
export const BROWSER_ADDRESS_DIAL_TIMEOUT_MS = 20_000;

/** Builds (does not start) the libp2p node for a role. */
export async function createWhisperNode(init: WhisperNodeInit): Promise<WhisperLibp2p> {
  const privateKey = init.privateKey ?? (await generateKeyPair('Ed25519'));
  const transports: TransportFactory[] = [];
  let listen: string[];
  let connectionGater: ConnectionGater | undefined;
  let built: WhisperLibp2p | undefined; // the relay's per-IP gater counts on the node it guards
  let maxConnections: number | undefined;
  let inbound: { inboundConnectionThreshold: number; maxIncomingPendingConnections: number } | undefined;
  let dialTimeout = init.dialTimeoutMs;
  let addressDialTimeout = init.addressDialTimeoutMs;
  const wsFrames = init.joinWsFrames === false ? <C>(f: (c: C) => Transport): ((c: C) => Transport) => f : oneMessagePerFrame;
  const defaultMode: DiscoveryInit['mode'] | undefined = init.role === 'relay' ? 'forward' : init.role === 'browser' ? 'announce' : undefined;
  const discovery: DiscoveryInit | undefined =
    init.discovery === false || (init.role === 'browser' && init.relaysOnly === true)
      ? undefined
      : init.discovery === undefined
        ? defaultMode && { mode: defaultMode }
        : { mode: defaultMode ?? 'announce', ...init.discovery };
  // Options given by the caller still win over the relay's mesh (applied last by whisperGossipsub).
  const gossip: WhisperGossipInit | undefined =
    init.role === 'relay'
      ? {
          // A relay's links stay eager: it is the hub browsers count on for the page-to-page latency,
          // and it never says IDONTWANT for a real envelope (IDONTWANT_MIN_BYTES), so its neighbours
          // could not prune their links to it anyway.
          lazy: false,
          ...init.gossip,
          options: {
            ...relayMesh({ ...DEFAULT_RELAY_LIMITS, ...init.relayLimits }.maxConnections),
            ...(init.gossip?.coalesce === false ? {} : { idontwantMinDataSize: IDONTWANT_MIN_BYTES }),
            ...init.gossip?.options,
          },
        }
      : init.gossip;
  const topics = discovery ? withDiscoveryTopic(gossip) : gossip;
  const services: Record<string, unknown> = {
    identify: identify(),
    ping: ping(),
    // The browser wakes less often (browser-timers.ts).
    pubsub: whisperGossipsub(init.role === 'browser' ? browserGossip(topics) : topics),
  };
  switch (init.role) {
    case 'relay': {
      const limits = { ...DEFAULT_RELAY_LIMITS, ...init.relayLimits };
      transports.push(wsFrames(webSockets(init.webSockets)));
      listen = init.listen ?? [`/ip4/${init.host ?? '0.0.0.0'}/tcp/${init.port ?? 9090}/ws`];
      maxConnections = limits.maxConnections;
      inbound = { inboundConnectionThreshold: limits.inboundPerHostPerSecond, maxIncomingPendingConnections: limits.maxIncomingPending };
      connectionGater = perIpGater({ ...DEFAULT_PER_IP_LIMITS, ...init.perIp }, () => built as never);
      services.relay = circuitRelayServer({
        reservations: {
          maxReservations: limits.maxReservations,
          reservationTtl: limits.reservationTtlMs,
          defaultDurationLimit: limits.durationLimitMs,
          defaultDataLimit: limits.dataLimitBytes,
        },
      });
      break;
    }
    case 'browser': {
      if (init.relaysOnly) {
        transports.push(wsFrames(webSockets()));
        listen = init.listen ?? [];
      } else {
        // Loaded only for this role: the WebRTC stack costs the relay seconds of start-up in Node.
        const { webRTC } = await import('@libp2p/webrtc');
        transports.push(wsFrames(webSockets()), webRTC(init.webrtc), circuitRelayTransport());
        listen = init.listen ?? ['/p2p-circuit', '/webrtc'];
      }
      connectionGater = relayDialGater(init.allowedRelays ?? []);
      dialTimeout ??= BROWSER_DIAL_TIMEOUT_MS;
      addressDialTimeout ??= BROWSER_ADDRESS_DIAL_TIMEOUT_MS;
      break;
    }
    case 'test':
      transports.push(memory());
      // The peer id is unique per node, so it names the in-process memory address without randomness.
      listen = init.listen ?? [`/memory/${peerIdFromPrivateKey(privateKey).toString()}`];
      break;
    default:
      throw new TypeError(`unknown role ${String((init as { role: unknown }).role)}`);
  }
  transports.push(...(init.transports ?? []));
  // After pubsub: libp2p builds services in order, and discovery takes pubsub from its components.
  if (discovery) services.discovery = browserDiscovery(discovery);
  const connectionManager = {
    ...(maxConnections ? { maxConnections } : {}),
    ...inbound,
    ...(dialTimeout !== undefined ? { dialTimeout } : {}),
    ...(addressDialTimeout !== undefined ? { addressDialTimeout } : {}),
  };
  built = (await createLibp2p({
    start: false,
    privateKey,
    addresses: { listen, ...(init.announce ? { announce: init.announce } : {}) },
    transports,
    connectionEncrypters: [noise()],
    streamMuxers: [init.role === 'browser' ? yamux({ enableKeepAlive: false }) : yamux()],
    ...(init.role === 'browser' ? { connectionMonitor: { pingInterval: BROWSER_PING_MS } } : {}),
    ...(connectionGater ? { connectionGater } : {}),
    ...(Object.keys(connectionManager).length ? { connectionManager } : {}),
    ...(init.metrics ? { metrics: init.metrics } : {}),
    services: services as never,
  })) as unknown as WhisperLibp2p;
  return built;
}

/** Gossipsub admits the discovery topic too, scored on invalid messages like the envelope topic. */
function withDiscoveryTopic(gossip: WhisperGossipInit = {}): WhisperGossipInit {
  const params = scoreParams(gossip);
  return {
    ...gossip,
    options: {
      allowedTopics: [GOSSIP_TOPIC, DISCOVERY_TOPIC],
      scoreParams: { ...params, topics: { [GOSSIP_TOPIC]: TOPIC_SCORE, [DISCOVERY_TOPIC]: DISCOVERY_TOPIC_SCORE } },
      ...gossip.options,
    },
  };
}

/** Everything of an address before its first `/p2p` or `/p2p-circuit`: how it is reached. */
function transportHead(ma: Multiaddr): string {
  let head = '';
  for (const c of ma.getComponents()) {
    if (c.name === 'p2p' || c.name === 'p2p-circuit') break;
    head += `/${c.name}${c.value === undefined ? '' : `/${c.value}`}`;
  }
  return head;
}

const isCircuit = (ma: Multiaddr): boolean => ma.getComponents().some((c) => c.name === 'p2p-circuit');

/** Plain (not TLS) WebSockets in the transport part of an address. */
function isPlainWs(ma: Multiaddr): boolean {
  const names: string[] = [];
  for (const c of ma.getComponents()) {
    if (c.name === 'p2p' || c.name === 'p2p-circuit') break;
    names.push(c.name);
  }
  return names.includes('ws') && !names.includes('tls');
}

/**
 * The browser's connection gater with a narrow exception. libp2p's browser default refuses plain
 * `ws` and private IPs; setting `denyDialMultiaddr` replaces that default, so it is restated here,
 * and only addresses whose transport part equals one of `allowedRelays` (direct or as circuit relay) pass.
 * Circuit addresses (and `/webrtc` signalled over them) pass only through those relays, even when
 * the relay would otherwise be reachable (public wss): discovery must not lead us to strangers' relays.
 */
export function relayDialGater(allowedRelays: readonly string[]): ConnectionGater {
  const allowed = relayDialAllowed(allowedRelays);
  return { denyDialMultiaddr: (ma: Multiaddr): boolean => !allowed(ma) };
}

/** The gater's rule as a predicate: whether a browser node built with these relays may dial `ma`. */
export function relayDialAllowed(allowedRelays: readonly string[]): (ma: Multiaddr) => boolean {
  const allowed = new Set(allowedRelays.map((a) => transportHead(multiaddr(a))));
  return (ma) => allowed.has(transportHead(ma)) || !(isCircuit(ma) || isPlainWs(ma) || isPrivate(ma));
}
