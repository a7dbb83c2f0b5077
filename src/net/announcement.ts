// Browser discovery announcements (docs/PROTOCOL.md §3, "further protocols"): the bytes a browser peer publishes
// on the gossipsub topic /shh/6/discovery/1.0.0 so others can open WebRTC links to it. RLP
// `[at, [addr, ...]]`: `at` = unix seconds when sent, then 1..8 multiaddrs, all of one peer and all of
// the form `<relay transport>/p2p/<relay>/p2p-circuit/webrtc/p2p/<peer>`. Nothing else travels.

import { equalBytes } from '../core/bytes.ts';
import { WhisperError } from '../core/errors.ts';
import { bytesToUint, decodeRlp, encodeRlp, uintToBytes, type RlpItem } from '../core/rlp.ts';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';

export const DISCOVERY_TOPIC = '/shh/6/discovery/1.0.0';
/** A browser holds one circuit address per relay; more than this is not an honest announcement. */
export const MAX_ANNOUNCED_ADDRS = 8;
/** Eight long dns addresses fit; anything bigger is refused before it is decoded. */
export const MAX_ANNOUNCEMENT_BYTES = 2048;
/** Like envelopes (docs/PROTOCOL.md §1): a sender clock more than 10 s ahead is not believed. */
export const ANNOUNCEMENT_FUTURE_S = 10;

export interface Announcement {
  /** Unix seconds when the peer sent it. */
  at: number;
  /** The announcing peer, as named by every address's last `/p2p` component. */
  peerId: string;
  addrs: Multiaddr[];
}

export type AnnouncementVerdict =
  | { kind: 'accept'; announcement: Announcement }
  | { kind: 'ignore'; reason: 'future' | 'stale' }
  | { kind: 'reject'; error: WhisperError };

/** Which addresses a browser may announce and others accept; tests on the memory transport pass their own. */
export type AddressRule = (ma: Multiaddr) => boolean;

/**
 * `<transport>/p2p/<relay>/p2p-circuit/webrtc/p2p/<peer>` and nothing more: the address another
 * browser dials to reach this one through a relay. Direct IP or DNS addresses of a browser, which
 * would reveal where it is, are not announceable.
 */
export function isBrowserCircuitAddress(ma: Multiaddr): boolean {
  const c = ma.getComponents();
  const n = c.length;
  if (n < 5) return false;
  const tail = c.slice(n - 4).map((x) => x.name);
  if (tail.join() !== 'p2p,p2p-circuit,webrtc,p2p') return false;
  const head = c.slice(0, n - 4);
  return head.length > 0 && head.every((x) => x.name !== 'p2p' && x.name !== 'p2p-circuit' && x.name !== 'webrtc');
}

/** The peer id an address ends with, if its last component is `/p2p/<id>`. */
export function addressPeerId(ma: Multiaddr): string | undefined {
  const c = ma.getComponents();
  const last = c[c.length - 1];
  return last?.name === 'p2p' ? last.value : undefined;
}

export function encodeAnnouncement(at: number, addrs: readonly Multiaddr[]): Uint8Array {
  if (!Number.isInteger(at) || at < 0 || at > 0xffffffff) throw new RangeError('at must be a uint32 of unix seconds');
  if (addrs.length < 1 || addrs.length > MAX_ANNOUNCED_ADDRS) throw new RangeError(`addrs must hold 1..${MAX_ANNOUNCED_ADDRS} addresses`);
  const bytes = encodeRlp([uintToBytes(at), addrs.map((a) => a.bytes)]);
  if (bytes.length > MAX_ANNOUNCEMENT_BYTES) throw new RangeError(`announcement above ${MAX_ANNOUNCEMENT_BYTES} bytes`);
  return bytes;
}

const bad = (why: string): WhisperError => new WhisperError('bad-announcement', `bad announcement: ${why}`);

/** Strict decode: throws WhisperError 'bad-rlp' or 'bad-announcement'. No clock checks here. */
export function decodeAnnouncement(data: Uint8Array, rule: AddressRule = isBrowserCircuitAddress): Announcement {
  if (data.length > MAX_ANNOUNCEMENT_BYTES) throw bad(`longer than ${MAX_ANNOUNCEMENT_BYTES} bytes`);
  const item: RlpItem = decodeRlp(data);
  if (!Array.isArray(item) || item.length !== 2) throw bad('not a list of two items');
  const [atItem, list] = item;
  if (!(atItem instanceof Uint8Array)) throw bad('at is not a string');
  if (!Array.isArray(list) || list.length < 1 || list.length > MAX_ANNOUNCED_ADDRS) throw bad(`not 1..${MAX_ANNOUNCED_ADDRS} addresses`);
  const at = Number(bytesToUint(atItem, 4, 'at'));
  let peerId: string | undefined;
  const addrs: Multiaddr[] = [];
  for (const raw of list) {
    if (!(raw instanceof Uint8Array)) throw bad('an address is not a string');
    let ma: Multiaddr;
    try {
      ma = multiaddr(raw);
      // Re-encoding must give the same bytes: no trailing or non-canonical bytes ride along.
      if (!equalBytes(ma.bytes, raw)) throw new Error('non-canonical');
    } catch {
      throw bad('an address is not a multiaddr');
    }
    if (!rule(ma)) throw bad(`address ${ma.toString()} is not announceable`);
    const id = addressPeerId(ma);
    if (id === undefined || (peerId !== undefined && id !== peerId)) throw bad('addresses do not name one peer');
    peerId = id;
    addrs.push(ma);
  }
  return { at, peerId: peerId!, addrs };
}

export interface AnnouncementPolicy {
  /** Now, unix seconds. */
  now: number;
  /** Older than this many seconds: ignored (a replay, or gossip that wandered). */
  maxAgeS: number;
  rule?: AddressRule;
}

/** Decode plus clock: malformed is rejected (the forwarder is penalised), stale or future ignored. */
export function checkAnnouncement(data: Uint8Array, policy: AnnouncementPolicy): AnnouncementVerdict {
  let announcement: Announcement;
  try {
    announcement = decodeAnnouncement(data, policy.rule);
  } catch (e) {
    if (e instanceof WhisperError) return { kind: 'reject', error: e };
    throw e;
  }
  // An honest browser with a skewed clock is not an attacker: ignore rather than reject.
  if (announcement.at > policy.now + ANNOUNCEMENT_FUTURE_S) return { kind: 'ignore', reason: 'future' };
  if (announcement.at < policy.now - policy.maxAgeS) return { kind: 'ignore', reason: 'stale' };
  return { kind: 'accept', announcement };
}
