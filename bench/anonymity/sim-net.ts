// Simulated links for the mix-layer observer study: just enough of libp2p (handle, dialProtocol,
// streams that lpStream can read and write) for the real MixNode, MixOutbound and clients to run
// unchanged on the EventSim clock. Each pair of nodes has one constant one-way delay drawn uniformly
// from 20-150 ms; every write is tapped as the observer sees it after encryption: send and arrival
// time, from, to and bytes on the wire (the written bytes plus WIRE_OVERHEAD). Invariants: writes on
// a link arrive in order; a tap's `cause` is the transmission being handled when it was written
// (ground truth for the analysis and for a corrupt relay, never shown to the honest observer).

import { StreamCloseEvent, StreamMessageEvent, type PeerId } from '@libp2p/interface';
import { defaultLogger } from '@libp2p/logger';
import type { Uint8ArrayList } from 'uint8arraylist';
import type { EventSim } from './event-sim.ts';

/** Per written message: yamux frame header 12 + Noise length prefix 2 + Noise tag 16. TCP/IP not counted. */
export const WIRE_OVERHEAD = 30;
const log = defaultLogger().forComponent('bench:sim-net');

export interface Tap {
  id: number;
  from: number;
  to: number;
  sent: number;
  arrived: number;
  bytes: number;
  /** Ground truth: the transmission whose handling caused this one (undefined for a client's tick). */
  cause: number | undefined;
  /** Ground truth, for client uplinks: what the frame was, and the post it carries. */
  label?: { kind: string; post?: number };
}

type Handler = (stream: SimStream, connection: { remotePeer: PeerId }) => void;

class SimStream extends EventTarget {
  readonly log = log;
  remoteWriteStatus: 'writable' | 'closed' = 'writable';
  readonly readBufferLength = 0;
  peer!: SimStream;
  closed = false;
  readonly net: SimNet;
  readonly from: number;
  readonly to: number;
  constructor(net: SimNet, from: number, to: number) {
    super();
    this.net = net;
    this.from = from;
    this.to = to;
  }
  send(data: Uint8Array | Uint8ArrayList): boolean {
    if (this.closed) throw new Error('stream closed');
    this.net.transmit(this, data.subarray());
    return true;
  }
  push(): void {}
  closeRead(): void {}
  async close(): Promise<void> {
    this.abort();
  }
  abort(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.peer.remoteWriteStatus = 'closed';
    this.peer.closed = true;
    this.dispatchEvent(new StreamCloseEvent(false, err));
    this.peer.dispatchEvent(new StreamCloseEvent(false, err));
  }
}

export class SimNode {
  readonly handlers = new Map<string, Handler>();
  /** Labels for this node's next writes, in order (a client's send callback pushes one per frame). */
  readonly labels: Array<Tap['label']> = [];
  readonly net: SimNet;
  readonly index: number;
  readonly peerId: PeerId;
  constructor(net: SimNet, index: number, peerId: PeerId) {
    this.net = net;
    this.index = index;
    this.peerId = peerId;
  }
  async handle(protocol: string, handler: Handler): Promise<void> {
    this.handlers.set(protocol, handler);
  }
  async unhandle(protocol: string): Promise<void> {
    this.handlers.delete(protocol);
  }
  getConnections(): never[] {
    return [];
  }
  async dialProtocol(to: PeerId, protocol: string): Promise<SimStream> {
    const remote = this.net.byPeer.get(to.toString());
    const handler = remote?.handlers.get(protocol);
    if (!remote || !handler) throw new Error(`${to} does not speak ${protocol}`);
    const out = new SimStream(this.net, this.index, remote.index);
    const inb = new SimStream(this.net, remote.index, this.index);
    out.peer = inb;
    inb.peer = out;
    handler(inb, { remotePeer: this.peerId });
    return out;
  }
}

export class SimNet {
  readonly taps: Tap[] = [];
  readonly nodes: SimNode[] = [];
  readonly byPeer = new Map<string, SimNode>();
  readonly #delays = new Map<number, number>();
  readonly sim: EventSim;
  readonly uniform: () => number;

  constructor(sim: EventSim, uniform: () => number) {
    this.sim = sim;
    this.uniform = uniform;
  }

  add(peerId: PeerId): SimNode {
    const n = new SimNode(this, this.nodes.length, peerId);
    this.nodes.push(n);
    this.byPeer.set(peerId.toString(), n);
    return n;
  }

  /** The link's one-way delay, ms: uniform in [20, 150), drawn once per pair. */
  delay(a: number, b: number): number {
    const key = Math.min(a, b) * 1_000_003 + Math.max(a, b);
    let d = this.#delays.get(key);
    if (d === undefined) this.#delays.set(key, (d = 20 + 130 * this.uniform()));
    return d;
  }

  transmit(s: SimStream, data: Uint8Array): void {
    const d = this.delay(s.from, s.to);
    const tap: Tap = { id: this.taps.length, from: s.from, to: s.to, sent: this.sim.now(), arrived: this.sim.now() + d, bytes: data.length + WIRE_OVERHEAD, cause: this.sim.cause };
    const label = this.nodes[s.from]!.labels.shift();
    if (label) tap.label = label;
    this.taps.push(tap);
    const peer = s.peer;
    this.sim.at(d, () => void (peer.closed || peer.dispatchEvent(new StreamMessageEvent(data))), tap.id);
  }

  /** A message of `bytes` that is not a mix frame (plain gossip and stem baselines), tapped alike. */
  plain(from: number, to: number, bytes: number, label: Tap['label'], then: (tap: Tap) => void): Tap {
    const d = this.delay(from, to);
    const tap: Tap = { id: this.taps.length, from, to, sent: this.sim.now(), arrived: this.sim.now() + d, bytes: bytes + WIRE_OVERHEAD, cause: this.sim.cause };
    if (label) tap.label = label;
    this.taps.push(tap);
    this.sim.at(d, () => then(tap), tap.id);
    return tap;
  }
}
