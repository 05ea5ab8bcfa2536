// A doubly linked list whose links live in the nodes themselves: adding, removing and moving a node cost a few
// field writes, with no hash-table entry or array slot per node. The client's shared timeout lists
// (dueList.ts) and the emulator's keep-alive queues are both chains; each keeps its own record of which chain a
// node is in.

/** What a node of a chain carries: its neighbours (the chain's own bookkeeping). */
export interface ChainNode<T> {
  chainPrev: T | undefined;
  chainNext: T | undefined;
}

export class Chain<T extends ChainNode<T>> {
  first: T | undefined = undefined;
  last: T | undefined = undefined;
  size = 0;

  /** Puts a node that is in no chain at the back. */
  push(node: T): void {
    node.chainPrev = this.last;
    node.chainNext = undefined;
    if (this.last === undefined) this.first = node;
    else this.last.chainNext = node;
    this.last = node;
    this.size++;
  }

  /** Takes a node of this chain out of it. */
  unlink(node: T): void {
    const { chainPrev: prev, chainNext: next } = node;
    if (prev === undefined) this.first = next;
    else prev.chainNext = next;
    if (next === undefined) this.last = prev;
    else next.chainPrev = prev;
    node.chainPrev = node.chainNext = undefined;
    this.size--;
  }

  /** The nodes, first to last (safe to unlink the one just handed out). */
  *nodes(): IterableIterator<T> {
    let node = this.first;
    while (node !== undefined) {
      const next = node.chainNext;
      yield node;
      node = next;
    }
  }
}
