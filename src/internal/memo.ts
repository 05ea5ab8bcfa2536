// Values worked out from keys that repeat (a few hosts, hubs, audiences, patterns) but that clients choose:
// each is worked out once, and the cache is bounded. Full, it is emptied rather than tracking use, which costs
// nothing per lookup; the keys that keep coming are worked out again once.
export class Memo<K, V> {
  readonly #values = new Map<K, V>();

  constructor(private readonly max: number) {}

  get(key: K, compute: (key: K) => V): V {
    const known = this.#values.get(key);
    if (known !== undefined || this.#values.has(key)) return known as V;
    const value = compute(key);
    if (this.#values.size >= this.max) this.#values.clear();
    this.#values.set(key, value);
    return value;
  }
}
