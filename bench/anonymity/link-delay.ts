// A constant one-way link delay for the libp2p memory transport, for the anonymity simulation. The
// transport's own `latency` option delays buffers one after another (a 50 ms delay then caps a link
// at 20 buffers a second), which would measure queueing, not distance. This patch delays each buffer,
// and the close after them, by the same `ms` on independent timers: order is kept (equal delays fire
// first-in first-out), bandwidth is not limited. Bench only: it patches the module's class in place.

import { StreamResetError } from '@libp2p/interface';
import { defaultLogger } from '@libp2p/logger';
import { multiaddr } from '@multiformats/multiaddr';
import { pushable } from 'it-pushable';
import { pushableToMaConn } from '../../node_modules/@libp2p/memory/dist/src/pushable-to-conn.js';

type Patched = {
  localPushable: { push(b: unknown): void; end(e?: Error): void };
  sendData(data: { byteLength: number }): { sentBytes: number; canSendMore: boolean };
  sendClose(o?: { signal?: AbortSignal }): Promise<void>;
  sendReset(): void;
};

export function setLinkDelay(ms: number): void {
  const remote = pushable<never>();
  const probe = pushableToMaConn({
    connection: { latency: 0 } as never,
    remoteAddr: multiaddr('/memory/probe'),
    direction: 'outbound',
    localPushable: pushable<never>() as never,
    remotePushable: remote as never,
    log: defaultLogger().forComponent('bench:probe'),
  } as never);
  remote.end();
  const proto = Object.getPrototypeOf(probe) as Patched;
  proto.sendData = function (this: Patched, data) {
    setTimeout(() => this.localPushable.push(data), ms);
    return { sentBytes: data.byteLength, canSendMore: true };
  };
  proto.sendClose = async function (this: Patched) {
    setTimeout(() => this.localPushable.end(), ms);
  };
  proto.sendReset = function (this: Patched) {
    setTimeout(() => this.localPushable.end(new StreamResetError()), ms);
  };
}
