// Dark sending in the peer (src/peer/dark-sending.ts): the mix client's clock runs while the settings
// enable it, from whenever a network with a mix client exists, and never because of a post; a dark
// post goes to the mix client or fails -32000 naming what is missing; status reports rate and cost.
import { describe, expect, it } from 'vitest';
import { DARK_OFF, DarkSending, NO_MIX_LAYER, WIRE_FRAME_BYTES, bytesPerHour, type MixClientRole, type MixClientState } from '../../src/peer/dark-sending.ts';
import { parseMixClient } from '../../src/peer/dark-defaults.ts';
import { RpcError } from '../../src/rpc/errors.ts';

class FakeRole implements MixClientRole {
  running = false;
  starts = 0;
  posted: Uint8Array[] = [];
  state: Omit<MixClientState, 'running'> = { rateHz: 2, frameBytes: 1000, hops: 3, wantHops: 3, relaysKnown: 3 };
  start(): void {
    this.running = true;
    this.starts++;
  }
  stop(): void {
    this.running = false;
  }
  post(rlp: Uint8Array) {
    this.posted.push(rlp);
    return { hops: this.state.hops, short: this.state.hops < this.state.wantHops };
  }
  status(): MixClientState {
    return { ...this.state, running: this.running };
  }
}

const failure = async (p: Promise<unknown>): Promise<{ code: number; message: string }> => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(RpcError);
  return { code: (e as RpcError).code, message: (e as RpcError).message };
};

describe('DarkSending', () => {
  it('runs the clock while enabled, across network restarts, and never because of a post', async () => {
    const d = new DarkSending({ rateHz: 0.2, hops: 3 });
    const role = new FakeRole();
    d.attach(role);
    expect(role.running).toBe(false);
    expect(await failure(d.post(new Uint8Array([1])))).toEqual({ code: -32000, message: `dark post not sent: ${DARK_OFF}` });
    expect(role.running).toBe(false); // a refused post started nothing
    expect(role.posted).toEqual([]);
    d.setEnabled(true);
    expect(role.running).toBe(true);
    d.attach(undefined); // the network stops
    expect(role.running).toBe(false);
    const next = new FakeRole();
    d.attach(next); // and restarts: its client starts at once
    expect(next.running).toBe(true);
    await d.post(new Uint8Array([2]));
    expect(next.starts).toBe(1);
    expect(next.posted).toEqual([new Uint8Array([2])]);
    expect(d.status().posted).toBe(1); // the refused one is not counted
    d.setEnabled(false);
    expect(next.running).toBe(false);
  });

  it('no mix layer, no path: -32000 naming it, nothing sent', async () => {
    const d = new DarkSending({ rateHz: 0.2, hops: 3 });
    d.setEnabled(true);
    expect(await failure(d.post(new Uint8Array([1])))).toEqual({ code: -32000, message: `dark post not sent: ${NO_MIX_LAYER}` });
    expect(d.status()).toMatchObject({ enabled: true, running: false, missing: NO_MIX_LAYER, rateHz: 0.2, frameBytes: WIRE_FRAME_BYTES });
    const role = new FakeRole();
    role.state = { ...role.state, hops: 0, relaysKnown: 0, missing: 'no mix path: no relay with a mix key' };
    d.attach(role);
    expect(await failure(d.post(new Uint8Array([1])))).toEqual({ code: -32000, message: 'dark post not sent: no mix path: no relay with a mix key' });
    expect(role.posted).toEqual([]);
  });

  it('a short path is sent and reported, never hidden', async () => {
    const d = new DarkSending({ rateHz: 0.2, hops: 3 });
    d.setEnabled(true);
    const role = new FakeRole();
    role.state = { ...role.state, hops: 2, relaysKnown: 2 };
    d.attach(role);
    expect(await d.post(new Uint8Array([1]))).toEqual({ hops: 2, short: true });
    expect(d.status()).toMatchObject({ running: true, hops: 2, wantHops: 3, relaysKnown: 2 });
    expect(d.status().missing).toBeUndefined();
  });

  it('the clock costs rate × frame × 3600 bytes an hour whatever is posted', () => {
    expect(bytesPerHour(0.2, 1054)).toBe(758_880);
    const d = new DarkSending({ rateHz: 0.2, hops: 3 });
    const role = new FakeRole();
    d.attach(role);
    d.setEnabled(true);
    expect(d.status()).toMatchObject({ rateHz: 2, frameBytes: 1000, bytesPerHour: 7_200_000 });
  });

  it('the build hook for the mix client reads a JSON object of numbers, and nothing else', () => {
    expect(parseMixClient('')).toEqual({});
    expect(parseMixClient('{"rateHz": 5, "hops": 3}')).toEqual({ rateHz: 5, hops: 3 });
    for (const bad of ['[]', '3', '{"rateHz":"fast"}', 'not json']) expect(() => parseMixClient(bad), bad).toThrow();
  });
});
