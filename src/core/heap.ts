// A binary min-heap over a caller-given order. The pool keeps two of them (by expiry, by PoW) with
// lazy deletion: removed entries stay until they reach the top, where the caller skips them.

export class MinHeap<T> {
  readonly #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(x: T): void {
    const a = this.#items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  /**
   * Pushes every item of `xs`: one by one when they are few beside what the heap holds, else appended
   * and the whole heap rebuilt bottom-up at once (O(n), against O(k log n) for k pushes).
   */
  pushMany(xs: readonly T[]): void {
    const a = this.#items;
    if (xs.length * 4 < a.length) {
      for (const x of xs) this.push(x);
      return;
    }
    for (const x of xs) a.push(x);
    for (let i = (a.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  pop(): T | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      this.#down(0);
    }
    return top;
  }

  #down(from: number): void {
    const a = this.#items;
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.#less(a[l]!, a[m]!)) m = l;
      if (r < a.length && this.#less(a[r]!, a[m]!)) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }

  clear(): void {
    this.#items.length = 0;
  }
}
