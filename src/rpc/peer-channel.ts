// The background <-> peer host channel (src/rpc/peer.ts's map) as one defineChannel: the peer host
// serves it (src/peer/peer-server.ts), the background calls it (src/background/peer-port.ts). Request
// params are checked with peer.ts's guards; event data with the guards here, so a malformed event
// never reaches the background's listeners. A new op or event in the map needs its guard to compile.
// The node queries are ops here too, spread from src/rpc/node-queries.ts with their guards.

import { defineChannel } from './channel.ts';
import { isHex, isNumber, isObject, isSafeId, isString } from './guards.ts';
import { isPeerOp, isPeerParams, peerParamGuards, type PeerEvents, type PeerRequests, type PeerStatus } from './peer.ts';

const isBoolean = (x: unknown): x is boolean => typeof x === 'boolean';
const isRelay = (r: unknown): boolean => isObject(r) && isString(r.addr) && isBoolean(r.connected);

export const isPeerStatus = (x: unknown): x is PeerStatus =>
  isObject(x) && isBoolean(x.started) && isString(x.peerId) && isSafeId(x.peers) && Array.isArray(x.relays) && x.relays.every(isRelay) &&
  isSafeId(x.envelopes) && isSafeId(x.bytes) && isNumber(x.minPow) && isSafeId(x.maxSize) &&
  (x.effectiveMinPow === undefined || isNumber(x.effectiveMinPow));

export const peerChannel = defineChannel<PeerRequests, PeerEvents>({
  name: 'peer',
  requests: peerParamGuards,
  // The default wire but for params: a node query's are the page's array (src/rpc/node-queries.ts).
  wire: { key: 'op', op: isPeerOp, params: isPeerParams },
  events: {
    envelope: (d): d is PeerEvents['envelope'] =>
      isObject(d) && (d.rlp === undefined || isHex(d.rlp)) && (d.size === undefined || isSafeId(d.size)) && isBoolean(d.p2p),
    status: isPeerStatus,
    sealProgress: (d): d is PeerEvents['sealProgress'] =>
      isObject(d) && isString(d.sealId) && isNumber(d.hashes) && isNumber(d.bestPow) && isNumber(d.elapsedMs),
  },
});
