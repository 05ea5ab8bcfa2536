/** An item the batch has taken from the source, with its position in it. */
export interface TakenItem<T> {
  item: T;
  index: number;
}

/**
 * The batch's one reader of `items`. Every worker pulls from it, so at most `concurrency` items are alive at
 * once. A sync iterable is read synchronously; an async one through a chain, so two workers never call
 * next() at once.
 */
export class ItemSource<T> {
  /** How many items have been taken. */
  read = 0;
  /** Whether the source said it has no more. */
  exhausted = false;
  readonly #isAsync: boolean;
  readonly #iterator: Iterator<T> | AsyncIterator<T>;
  #pulling: Promise<unknown> = Promise.resolve();

  constructor(items: Iterable<T> | AsyncIterable<T>) {
    this.#isAsync = Symbol.asyncIterator in items;
    this.#iterator = this.#isAsync
      ? (items as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (items as Iterable<T>)[Symbol.iterator]();
  }

  /** The next item, or undefined once the source is exhausted or `closed()` says to stop taking. */
  next(closed: () => boolean): TakenItem<T> | undefined | Promise<TakenItem<T> | undefined> {
    if (!this.#isAsync)
      return this.exhausted || closed() ? undefined : this.#take((this.#iterator as Iterator<T>).next());
    const turn = this.#pulling.then(async () =>
      this.exhausted || closed() ? undefined : this.#take(await this.#iterator.next()),
    );
    this.#pulling = turn.catch(() => undefined);
    return turn;
  }

  /** Lets a source that was not read to its end release what it holds (a generator's `finally`). */
  async close(): Promise<void> {
    if (!this.exhausted) await Promise.resolve(this.#iterator.return?.()).catch(() => undefined);
  }

  #take(step: IteratorResult<T>): TakenItem<T> | undefined {
    if (step.done === true) {
      this.exhausted = true;
      return undefined;
    }
    return { item: step.value, index: this.read++ };
  }
}
