// The neighbours an operator configured (the relay's --peer addresses): exempt from the per-neighbour
// rate limit and never cut off (docs/RELAY.md "Limits"). A peer is trusted once we have an outbound
// connection to a configured address, or when the address names its /p2p/ id; trust lasts the process.
import type { Connection, Libp2p, PeerId } from '@libp2p/interface';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';

/** Everything of an address before its first `/p2p` component: how it is reached. */
function head(ma: Multiaddr): string {
  let out = '';
  for (const c of ma.getComponents()) {
    if (c.name === 'p2p' || c.name === 'p2p-circuit') break;
    out += `/${c.name}${c.value === undefined ? '' : `/${c.value}`}`;
  }
  return out;
}

export class ConfiguredPeers {
  readonly #heads = new Set<string>();
  readonly #ids = new Set<string>();
  readonly #node: Pick<Libp2p, 'addEventListener' | 'removeEventListener'>;

  constructor(node: Pick<Libp2p, 'addEventListener' | 'removeEventListener'>, addrs: readonly string[]) {
    this.#node = node;
    for (const a of addrs) {
      let ma: Multiaddr;
      try {
        ma = multiaddr(a);
      } catch {
        continue; // the Redialer reports it, naming the flag
      }
      this.#heads.add(head(ma));
      const id = ma.getComponents().find((c) => c.name === 'p2p')?.value;
      if (id !== undefined) this.#ids.add(id);
    }
  }

  start(): void {
    this.#node.addEventListener('connection:open', this.#onOpen);
  }

  stop(): void {
    this.#node.removeEventListener('connection:open', this.#onOpen);
  }

  has(peerId: PeerId): boolean {
    return this.#ids.has(peerId.toString());
  }

  readonly #onOpen = (evt: CustomEvent<Connection>): void => {
    const c = evt.detail;
    if (c.direction === 'outbound' && this.#heads.has(head(c.remoteAddr))) this.#ids.add(c.remotePeer.toString());
  };
}
