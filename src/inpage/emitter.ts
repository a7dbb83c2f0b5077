// The provider's event listeners (docs/PROTOCOL.md §4: connect, disconnect, identitiesChanged, message, data),
// with Node EventEmitter semantics for on / once / removeListener. Built on null-prototype records
// walked by index so page overrides of Array or Object prototypes cannot reach it; a listener that
// throws does not stop the others (its exception is rethrown asynchronously).

import { I, record, rethrowLater } from './intrinsics.ts';

type Listener = (...args: unknown[]) => void;
interface Entry {
  fn: Listener;
  once: boolean;
}

export interface Emitter {
  on(event: string, fn: Listener): void;
  once(event: string, fn: Listener): void;
  removeListener(event: string, fn: Listener): void;
  emit(event: string, arg: unknown): void;
}

export function createEmitter(): Emitter {
  const byEvent = record<Record<number, Entry>>();
  let seq = 0;

  const add = (event: string, fn: Listener, once: boolean): void => {
    if (typeof event !== 'string') throw new I.TypeError('event name must be a string');
    if (typeof fn !== 'function') throw new I.TypeError('listener must be a function');
    const list = byEvent[event] ?? (byEvent[event] = record<Entry>());
    const entry = record<unknown>() as unknown as Entry;
    entry.fn = fn;
    entry.once = once;
    list[seq++] = entry;
  };

  return {
    on: (event, fn) => add(event, fn, false),
    once: (event, fn) => add(event, fn, true),
    removeListener(event, fn) {
      const list = byEvent[event];
      if (!list) return;
      const keys = I.ownKeys(list);
      // the most recently added registration goes first, as in Node's EventEmitter
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string;
        if ((list[k as unknown as number] as Entry).fn === fn) {
          delete list[k as unknown as number];
          return;
        }
      }
    },
    emit(event, arg) {
      const list = byEvent[event];
      if (!list) return;
      const keys = I.ownKeys(list); // a snapshot: listeners added while emitting wait for the next event
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as unknown as number;
        const entry = list[k];
        if (!entry) continue;
        if (entry.once) delete list[k];
        try {
          I.call(entry.fn, undefined, arg);
        } catch (e) {
          rethrowLater(e);
        }
      }
    },
  };
}
