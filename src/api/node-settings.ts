// The node settings of geth's shh_* set (shh_setMinPoW, shh_setMaxMessageSize, shh_markTrustedPeer,
// shh_setBloomFilter) over a NodeAdmin: registered on a ShhApi only where the node has an admin (the
// relay's operator). A page never reaches them: the extension's nodes have no admin role.

import { BLOOM_SIZE, MAX_MESSAGE_SIZE_CEILING } from '../core/constants.ts';
import { whisperFailure } from '../rpc/errors.ts';
import type { AdminMethod } from '../rpc/shh-methods.ts';
import type { NodeAdmin } from './node.ts';
import { bytes, float, str, uint32 } from './params.ts';

/** A setting's handler: positional arguments in, geth's result out (it needs no session). */
export type SettingHandler = (a: unknown[]) => Promise<unknown>;

const ARG0 = { arg: 0 } as const;

/** The node settings: registered only on an API whose node has an admin (the relay's operator). */
export function adminTable(node: NodeAdmin): Record<AdminMethod, SettingHandler> {
  const id = (a: unknown[]) => str(a[0], ARG0);
  return {
    shh_setMaxMessageSize: async (a) => {
      const size = uint32(a[0], ARG0);
      if (size > MAX_MESSAGE_SIZE_CEILING) throw whisperFailure(`message size too large [${size}>${MAX_MESSAGE_SIZE_CEILING}]`);
      await node.setMaxMessageSize(size);
      return true;
    },
    shh_setMinPoW: async (a) => {
      const pow = float(a[0], ARG0);
      if (pow < 0) throw whisperFailure(`invalid PoW: ${pow.toFixed(6)}`); // Go's %f
      await node.setMinPow(pow);
      return true;
    },
    shh_markTrustedPeer: async (a) => {
      await node.markTrustedPeer(id(a));
      return true;
    },
    shh_setBloomFilter: async (a) => {
      const bloom = bytes(a[0], ARG0);
      if (bloom.length !== BLOOM_SIZE) throw whisperFailure(`invalid bloom filter size: ${bloom.length}`);
      await node.setBloomFilter(bloom);
      return true;
    },
  };
}
