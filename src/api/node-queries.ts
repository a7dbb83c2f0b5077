// The node queries' handlers (src/rpc/node-queries.ts), written once over the Whisper service
// (src/net/service.ts) for the relay (relay/shh-node.ts calls them) and for the extension's peer host
// (src/peer/peer-server.ts serves them as peer-channel ops). The API layer may not import src/net, so
// the service is taken by what the handlers read of it (QueriedService), which WhisperService has; a
// query that needs more of the service adds it there. Handlers are typed by the map: a query without
// one does not compile. Each says what it answers while the service is not running (undefined).

import type { Handlers } from '../rpc/channel.ts';
import type { NodeQueries } from '../rpc/node-queries.ts';
import type { NodeQuery } from './node.ts';

/** What the node queries read of the Whisper service (a subset of WhisperService, src/net/service.ts). */
export interface QueriedService {
  readonly peer: {
    /** Connected peers. */
    readonly peerCount: number;
    /** The libp2p node's state ('started' once the network is up). */
    readonly node: { readonly status: string };
  };
}

/** One handler per query, over the service running now (undefined: not started, or stopped). */
export function nodeQueries(service: () => QueriedService | undefined): Handlers<NodeQueries> {
  return {
    net_peerCount: async () => `0x${(service()?.peer.peerCount ?? 0).toString(16)}`,
    net_listening: async () => service()?.peer.node.status === 'started',
  };
}

/** The NodeQuery role over the handlers, for a node that holds the service itself (the relay). */
export function queryRole(service: () => QueriedService | undefined): NodeQuery {
  const handlers = nodeQueries(service);
  return { query: (name, params) => handlers[name](params) };
}
