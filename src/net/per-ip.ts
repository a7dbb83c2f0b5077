// Per-IP caps at a relay (docs/RELAY.md "Limits"): concurrent connections and circuit reservations
// from one IP address, so that one host cannot take every connection slot or every reservation with
// throwaway peer ids. Enforced by the connection gater, before the handshake (connections) and before
// a reservation is granted (a renewal by a peer that holds one always passes). 0 turns a cap off: a
// relay behind a proxy sees every browser at the proxy's address and caps per client there instead.

import type { ConnectionGater, Libp2p, MultiaddrConnection, PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';

export interface PerIpLimits {
  /** Connections open at once from one IP address (0: no cap). */
  connectionsPerIp: number;
  /** Circuit relay reservations held at once by peers connected from one IP address (0: no cap). */
  reservationsPerIp: number;
}

// An eighth of the relay's connection slots (2 048) and reservations (1 024) each: one host can no
// longer take them all, and a NAT or campus with a few hundred browsers still fits.
export const DEFAULT_PER_IP_LIMITS: PerIpLimits = { connectionsPerIp: 256, reservationsPerIp: 128 };

/** The IP address of a multiaddr (/ip4/ or /ip6/ component), or undefined (memory, dns). */
export function ipOf(ma: Multiaddr): string | undefined {
  for (const c of ma.getComponents()) if (c.name === 'ip4' || c.name === 'ip6') return c.value;
  return undefined;
}

type GaterNode = Pick<Libp2p, 'getConnections'> & { services: { relay?: { reservations: { has(peer: PeerId): boolean; keys(): Iterable<PeerId> } } } };

/**
 * The gater of a relay: `node()` is asked at each check (the gater is built before the node).
 * Counting walks the open connections (at most the connection limit) on each inbound attempt, which
 * the per-IP rate of inbound connections already bounds.
 */
export function perIpGater(limits: PerIpLimits, node: () => GaterNode | undefined): ConnectionGater {
  for (const k of ['connectionsPerIp', 'reservationsPerIp'] as const)
    if (!Number.isSafeInteger(limits[k]) || limits[k] < 0) throw new RangeError(`${k} must be an integer >= 0`);
  const ipsOf = (n: GaterNode, peer: PeerId): Set<string> => {
    const out = new Set<string>();
    for (const c of n.getConnections(peer)) {
      const ip = ipOf(c.remoteAddr);
      if (ip !== undefined) out.add(ip);
    }
    return out;
  };
  return {
    denyInboundConnection: (maConn: MultiaddrConnection): boolean => {
      const n = node();
      const ip = ipOf(maConn.remoteAddr);
      if (!n || ip === undefined || limits.connectionsPerIp === 0) return false;
      let open = 0;
      for (const c of n.getConnections()) if (ipOf(c.remoteAddr) === ip) open++;
      return open >= limits.connectionsPerIp;
    },
    denyInboundRelayReservation: (source: PeerId): boolean => {
      const n = node();
      const reservations = n?.services.relay?.reservations;
      if (!n || !reservations || limits.reservationsPerIp === 0 || reservations.has(source)) return false;
      const ips = ipsOf(n, source);
      if (ips.size === 0) return false;
      let held = 0;
      for (const peer of reservations.keys()) for (const ip of ipsOf(n, peer)) if (ips.has(ip)) held++;
      return held >= limits.reservationsPerIp;
    },
  };
}
