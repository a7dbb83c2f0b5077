// The PeerChannel for Firefox (ext design): the background logic and the peer host share the MV2
// persistent background page, so requests are calls into the PeerServer, with the same guards and
// the same {code, message} errors (as RpcError) as over Chrome's Port. Events go to listeners in order.

import { RPC, RpcError, toRpcError } from '../rpc/errors.ts';
import type { PeerChannel, PeerEventName, PeerEvents, PeerFrame } from '../rpc/peer.ts';
import { startPeerHost, type RunningPeer } from './start-peer-host.ts';
import type { PeerServer } from './peer-server.ts';

export interface InProcessPeer {
  channel: PeerChannel;
  running: RunningPeer;
}

type Listener = (data: unknown) => void;

/** A PeerChannel over a server; `deliver` is what the server's `emit` must call. */
export function inProcessChannel(server: () => PeerServer | undefined): { channel: PeerChannel; deliver: (f: PeerFrame) => void } {
  const listeners = new Map<PeerEventName, Set<Listener>>();
  const channel: PeerChannel = {
    async request(op, params) {
      const s = server();
      if (!s) throw new RpcError(RPC.disconnected, 'peer host not running');
      try {
        // A copy, as a Port would make: the background keeps no handle on what the peer holds.
        return await s.request(op, structuredClone(params));
      } catch (e) {
        const err = toRpcError(e);
        throw new RpcError(err.code, err.message);
      }
    },
    on<K extends PeerEventName>(event: K, listener: (data: PeerEvents[K]) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as Listener;
      set.add(l);
      return () => void set.delete(l);
    },
  };
  const deliver = (f: PeerFrame): void => {
    if (f.kind !== 'event') return;
    for (const l of listeners.get(f.event) ?? []) {
      try {
        l(f.data);
      } catch {
        // one listener's failure is not the peer's
      }
    }
  };
  return { channel, deliver };
}

/** Starts the peer host in this page and returns the channel G's Firefox background programs against. */
export async function createInProcessPeerChannel(onError?: (e: unknown) => void): Promise<InProcessPeer> {
  let running: RunningPeer | undefined;
  const { channel, deliver } = inProcessChannel(() => running?.server);
  running = await startPeerHost(deliver, onError);
  return { channel, running };
}
