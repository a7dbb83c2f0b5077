// The mix layer as one part of a Whisper peer (docs/PRIVACY.md "The mix layer"), composed by
// WhisperService for the relay and the browser alike. Always: the MixNode on `/shh/6/mix/1.0.0`
// (every received frame charged to its sender's per-neighbour budget before any work, bad frames
// counted against it, exits handed to the one admission path as source 'mix') and the directory of
// verified mix key records, learnt from the peers we connect to (key-exchange.ts). As a mix (relays):
// its own key record, signed with the libp2p identity and re-signed at each rotation, answered on
// `/shh/6/mix-keys/1.0.0`, and loop cover on relay-to-relay links (relay-cover.ts). As a client (when
// active): the Poisson send clock with loop and drop cover, real frames in the place of cover
// (client.ts), into our own mix when we are one, else to a connected relay.
// Invariants: a dark post with no path of `minHops` relays fails with 'dark-unavailable' naming what
// is missing and sends nothing; nothing of a dark post enters our pool or leaves by another path
// before its frames leave; cover never reaches admission.
// Over 300 lines: the node, the directory, the client and relay cover share the peer's lifecycle
// and connections; each concept itself lives in its own file beside this one.

import type { PeerId, PrivateKey } from '@libp2p/interface';
import { bytesToKey } from '../../core/bytes.ts';
import { WhisperError } from '../../core/errors.ts';
import { isMixError, type MixErrorCode } from '../../core/mix/errors.ts';
import type { ScalarMult } from '../../core/mix/packet.ts';
import { validateEnvelope } from '../../core/validate.ts';
import type { WhisperPeer } from '../peer.ts';
import { MixClient, type PostResult } from './client.ts';
import { MixDirectory } from './directory.ts';
import { MixKeyExchange, MAX_SHARED_RECORDS } from './key-exchange.ts';
import { signKeyRecord } from './key-record.ts';
import type { LoopStats } from './loops.ts';
import { MixNode, wallClock, type MixClock, type MixEventDetail } from './mix-node.ts';
import { nodeIdOf } from './node-id.ts';
import { webRandomBytes, type RandomBytes } from './random.ts';
import { RelayCover } from './relay-cover.ts';
import { MIX_CLIENT_DEFAULTS, type MixClientSettings, type MixSettings } from './settings.ts';

/** One frame on the wire: FRAME_SIZE, its length prefix, yamux and noise framing (docs/PRIVACY.md). */
export const WIRE_FRAME_BYTES = 1054;

export interface MixServiceInit {
  /** Be a mix: publish a signed key record, peel and forward others' frames, send relay cover (relays). */
  mix?: boolean;
  /** Run the client's send clock from start() (dark sending on); setActive() changes it later. */
  client?: boolean;
  /** The client's rate, loop share, hops and loop timeout (MIX_CLIENT_DEFAULTS). */
  clientSettings?: Partial<MixClientSettings>;
  /** Fewest hops a dark post may take (default 2): fewer relays with keys and it is refused. */
  minHops?: number;
  /** The mix node's delays, key period and bounds (MIX_DEFAULTS). */
  settings?: Partial<MixSettings>;
  /** Relay loop cover (mixes only): frames a second on relay links, and its loops' timeout; false: none. */
  cover?: { rateHz?: number; loopTimeoutMs?: number } | false;
  /** How often connected peers are asked for key records again (default 60 s). */
  refreshMs?: number;
  randomBytes?: RandomBytes;
  clock?: MixClock;
  /** The mix node's X25519 multiplications (default: WebCrypto's where it works, scalar-mult.ts). */
  scalarMult?: ScalarMult;
}

/** Relay cover by default: one loop frame every five seconds, three transmissions each. */
export const RELAY_COVER_DEFAULTS = { rateHz: 0.2, loopTimeoutMs: 90_000 }; // three delays capped at 20 s, and transit

export interface DarkPostResult extends PostResult {
  /** The envelope hash (what shh_post returns). */
  hash: Uint8Array;
}

export interface MixStatus {
  /** The client's send clock runs: dark posts can be sent. */
  active: boolean;
  /** This node is a mix (a relay). */
  mix: boolean;
  /** Client frames a second, real and cover together. */
  rateHz: number;
  /** Hops a dark post would take now (0: none), of `wantedHops`. */
  hops: number;
  wantedHops: number;
  /** When `hops` is 0: why no dark post can get a path, in the words postDark would refuse with. */
  missing?: string;
  /** Relays with a valid mix key record this node knows (itself included when it is a mix). */
  relays: number;
  /** The upload the client's clock costs an hour while active (bytes). */
  bytesPerHour: number;
  /** The client's loop cover: sent, returned, lost, pending. */
  loops: LoopStats;
  /** Frames the client's clock put on the wire, real and cover together (never split: docs/RELAY.md "Monitor"). */
  framesSent: number;
  /** Frames this node's mix handled, by what it did with them. */
  frames: Record<MixEventDetail['action'], number>;
}

export interface MixServiceHost {
  peer: WhisperPeer;
  /** The libp2p identity the key record is signed with (the node's own key). */
  privateKey: PrivateKey;
  onError?: (e: unknown) => void;
}

export class MixService {
  readonly node: MixNode;
  readonly directory: MixDirectory;
  readonly client: MixClient;
  readonly cover: RelayCover | undefined;
  readonly #peer: WhisperPeer;
  readonly #init: MixServiceInit;
  readonly #host: MixServiceHost;
  readonly #exchange: MixKeyExchange;
  readonly #clock: MixClock;
  readonly #random: RandomBytes;
  readonly #minHops: number;
  readonly #frames: MixStatus['frames'] = { relay: 0, loop: 0, exit: 0, drop: 0, 'own-loop': 0, reject: 0 };
  #own: { epoch: number; bytes: Uint8Array } | undefined;
  #sent = 0;
  #active: boolean;
  #started = false;

  constructor(host: MixServiceHost, init: MixServiceInit = {}) {
    this.#host = host;
    this.#init = init;
    this.#peer = host.peer;
    this.#clock = init.clock ?? wallClock;
    this.#random = init.randomBytes ?? webRandomBytes;
    this.#active = init.client === true;
    this.#minHops = init.minHops ?? 2;
    if (!Number.isInteger(this.#minHops) || this.#minHops < 1) throw new RangeError('minHops must be a positive integer');
    const onError = (e: unknown): void => host.onError?.(e);
    const node = host.peer.node;
    const ownId = nodeIdOf(node.peerId);
    this.directory = new MixDirectory({ now: () => this.#clock.now() });
    this.node = new MixNode(
      {
        node,
        charge: (source, what, code) => this.#charge(source, what, code),
        admit: (rlp) => this.#peer.admission.admit(rlp, { source: { kind: 'mix' } }),
        ownLoop: (frame) => this.client.recognise(frame) || (this.cover?.recognise(frame) ?? false),
        resolve: (id) => this.#resolve(id),
        onError,
      },
      { settings: init.settings ?? {}, randomBytes: this.#random, clock: this.#clock, ...(init.scalarMult ? { scalarMult: init.scalarMult } : {}) },
    );
    this.node.addEventListener('mix', (e) => void this.#frames[e.detail.action]++);
    this.client = new MixClient({
      clock: this.#clock,
      randomBytes: this.#random,
      ownId,
      entry: () => this.#entry()?.id,
      records: () => this.directory.records(),
      send: (frame) => this.#sendOwn(frame),
      settings: { ...MIX_CLIENT_DEFAULTS, ...init.clientSettings },
      onError,
    });
    if (init.mix && init.cover !== false) {
      const c = { ...RELAY_COVER_DEFAULTS, ...init.cover };
      this.cover = new RelayCover({
        clock: this.#clock,
        randomBytes: this.#random,
        ownId,
        ownKey: () => this.node.keys.current().publicKey,
        records: () => this.directory.records(),
        send: (to, frame) => this.node.send(to, frame),
        rateHz: c.rateHz,
        loopTimeoutMs: c.loopTimeoutMs,
        onError,
      });
    }
    this.#exchange = new MixKeyExchange({
      node,
      directory: this.directory,
      ...(init.mix ? { answer: () => this.#answer() } : {}),
      ...(init.refreshMs !== undefined ? { refreshMs: init.refreshMs } : {}),
      onLearnt: (from, _added, refused) => {
        if (refused.length > 0) onError(new Error(`${from.toString()} passed on mix key records refused: ${refused.join(', ')}`));
      },
      onError,
    });
  }

  /** Whether this node is a mix (publishes a key record and forwards others' frames). */
  get isMix(): boolean {
    return this.#init.mix === true;
  }

  /** Whether the client's send clock runs (dark sending on). */
  get active(): boolean {
    return this.#active;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    await this.node.start();
    if (this.isMix) await this.ownRecord();
    await this.#exchange.start();
    this.cover?.start();
    if (this.#active) this.client.start();
    this.#started = true;
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.client.stop();
    this.cover?.stop();
    await this.#exchange.stop();
    await this.node.stop();
  }

  /** Starts or stops the client's send clock (the extension's "dark sending" setting). */
  setActive(on: boolean): void {
    this.#active = on;
    if (!this.#started) return;
    if (on) this.client.start();
    else this.client.stop();
  }

  /** Asks every connected peer for mix key records now (tests, and after the relays changed). */
  refresh(): Promise<void> {
    return this.#exchange.refresh();
  }

  /** Our current key record, signed (mixes only); re-signed when the key rotates, kept in our directory. */
  async ownRecord(): Promise<Uint8Array> {
    if (!this.isMix) throw new Error('this node is no mix: it has no key record');
    const key = this.node.keys.current();
    if (this.#own?.epoch === key.epoch) return this.#own.bytes;
    const bytes = await signKeyRecord(this.#host.privateKey, { mixKey: key.publicKey, notBefore: key.notBefore, notAfter: key.notAfter });
    await this.directory.add(bytes);
    this.#own = { epoch: key.epoch, bytes };
    return bytes;
  }

  /**
   * Sends one sealed envelope dark: validated against this node's policy, cut into frames over a mix
   * path and queued to leave in the place of the next cover frames. Resolves once queued; the
   * envelope reaches gossip (byte-identical) at the exit, after the mixes' delays. Throws WhisperError:
   * the envelope's validation error, or 'dark-unavailable' naming what is missing (never sent).
   */
  async postDark(rlp: Uint8Array): Promise<DarkPostResult> {
    if (!(rlp instanceof Uint8Array)) throw new TypeError('rlp must be a Uint8Array');
    if (!this.#clientRuns()) throw unavailable(CLIENT_OFF);
    const verdict = validateEnvelope(rlp, this.#peer.policy(), (h) => this.#peer.pool.has(h));
    if (verdict.kind === 'reject') throw verdict.error;
    if (verdict.kind === 'ignore') {
      if (verdict.reason === 'expired') throw new WhisperError('expired', 'failed to add envelope: expired');
      throw new WhisperError('duplicate', 'failed to add envelope: already known');
    }
    const missing = this.#missingPath();
    if (missing) throw unavailable(missing);
    let r: PostResult;
    try {
      r = this.client.post(rlp);
    } catch (e) {
      if (isMixError(e)) throw unavailable(e.message);
      throw e;
    }
    return { hash: verdict.envelope.hash, ...r };
  }

  /**
   * Why a dark post would be refused now (the client is off, or no path exists), in the words postDark
   * refuses with; undefined when one may go. Ask it before sealing (the proof of work takes seconds):
   * postDark checks again, since the path can go while the envelope is sealed.
   */
  darkUnavailable(): string | undefined {
    return this.#clientRuns() ? this.#missingPath() : CLIENT_OFF;
  }

  status(): MixStatus {
    const relays = this.#relayCount();
    const wanted = this.client.settings.hops;
    const missing = this.#missingPath(relays);
    const rate = this.client.settings.rateHz;
    return {
      active: this.#active,
      mix: this.isMix,
      rateHz: rate,
      hops: missing ? 0 : Math.min(wanted, relays),
      ...(missing ? { missing } : {}),
      wantedHops: wanted,
      relays,
      bytesPerHour: Math.round(rate * 3600 * WIRE_FRAME_BYTES),
      loops: this.client.loopStats(),
      framesSent: this.#sent,
      frames: { ...this.#frames },
    };
  }

  #clientRuns(): boolean {
    return this.#started && this.#active;
  }

  /** Why no dark post can get a path now, in words; undefined when one can. */
  #missingPath(relays = this.#relayCount()): string | undefined {
    if (!this.#entry()) {
      return this.isMix
        ? 'no mix path: this relay has no valid mix key of its own'
        : `no mix path: connected to no relay with a mix key record (${relays} relays with mix keys known)`;
    }
    if (Math.min(this.client.settings.hops, relays) < this.#minHops) {
      return `no mix path: a dark post needs ${this.#minHops} relays with mix key records and this node knows ${relays}`;
    }
    return undefined;
  }

  #relayCount(): number {
    return new Set(this.directory.records().map((r) => bytesToKey(r.nodeId))).size;
  }

  async #answer(): Promise<Uint8Array> {
    return this.directory.encode(MAX_SHARED_RECORDS, await this.ownRecord());
  }

  // A mix is its own entry; a client enters through a relay it holds a direct connection to whose key it knows.
  #entry(): { id: Uint8Array; peer?: PeerId } | undefined {
    const records = this.directory.records();
    if (this.isMix) {
      const own = nodeIdOf(this.#peer.node.peerId);
      const k = bytesToKey(own);
      return records.some((r) => bytesToKey(r.nodeId) === k) ? { id: own } : undefined;
    }
    const byId = new Map(records.map((r) => [r.peerId.toString(), r]));
    const conns = this.#peer.node.getConnections().filter((c) => !c.limits && byId.has(c.remotePeer.toString()));
    conns.sort((a, b) => (a.remotePeer.toString() < b.remotePeer.toString() ? -1 : 1));
    const r = conns[0] && byId.get(conns[0].remotePeer.toString());
    return r ? { id: r.nodeId, peer: r.peerId } : undefined;
  }

  async #sendOwn(frame: Uint8Array): Promise<void> {
    if (this.isMix) await this.node.inject(frame);
    else {
      const entry = this.#entry();
      if (!entry?.peer) throw new Error('mix client: no entry relay connected; frame not sent');
      await this.node.send(entry.peer, frame);
    }
    this.#sent++;
  }

  // Connected first (the usual case: relays keep each other dialled), else the relay the record names.
  #resolve(id: Uint8Array): PeerId | undefined {
    const want = bytesToKey(id);
    if (want === bytesToKey(nodeIdOf(this.#peer.node.peerId))) return undefined; // never dial ourselves
    const conn = this.#peer.node.getConnections().find((c) => !c.limits && bytesToKey(nodeIdOf(c.remotePeer)) === want);
    if (conn) return conn.remotePeer;
    return this.directory.records().find((r) => bytesToKey(r.nodeId) === want)?.peerId;
  }

  // Every frame draws on its sender's budget before any work: over it the frame is dropped unread;
  // far over it, it is dropped and counted against the sender (guard.ts), as an envelope over the
  // limit is ignored and one far over it rejected; once the sender is cut off the stream ends. A bad frame counts against the sender
  // like an invalid envelope, except a later hop's MAC or the payload tag failing on a frame a mix
  // passed on (a client may have made it so; only `bad-length` and `replay` are always the sender's),
  // and our own replay cache being full (our limit).
  #charge(source: PeerId, what: 'frame' | 'invalid', code?: MixErrorCode): boolean | 'drop' {
    if (source.equals(this.#peer.node.peerId)) return true;
    if (what === 'frame') {
      const level = this.#peer.chargeFrame(source, WIRE_FRAME_BYTES);
      if (level === 'ok') return true;
      return level === 'over' || !this.#peer.isCut(source) ? 'drop' : false;
    }
    if (code === 'overloaded') return true;
    if ((code === 'bad-mac' || code === 'bad-payload') && this.#isMix(source)) return true;
    this.#peer.penalise(source);
    return !this.#peer.isCut(source);
  }

  #isMix(peer: PeerId): boolean {
    const k = peer.toString();
    return this.directory.records().some((r) => r.peerId.toString() === k);
  }
}

const CLIENT_OFF = 'dark sending is off on this node: its mix client is not running';
const unavailable = (why: string): WhisperError => new WhisperError('dark-unavailable', `dark post not sent: ${why}`);
