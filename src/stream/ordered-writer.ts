/**
 * The reorder buffer: items finish in any order (several sandboxes at once),
 * and leave in sequence order. An item that finished early waits here for the
 * ones before it; `held` tells the reader how far ahead the fast ones are.
 */
export class OrderedWriter<T> {
  readonly #emit: (item: T) => void;
  readonly #waiting = new Map<number, T>();
  #next = 0;

  /** emit is called once per sequence number, in order 0, 1, 2, … */
  constructor(emit: (item: T) => void) {
    this.#emit = emit;
  }

  /** The next sequence number to leave. */
  get next(): number {
    return this.#next;
  }

  /** Items finished but kept back by an earlier one still running. */
  get held(): number {
    return this.#waiting.size;
  }

  put(sequence: number, item: T): void {
    if (sequence < this.#next || this.#waiting.has(sequence)) throw new Error(`sequence ${sequence} was put twice`);
    if (sequence !== this.#next) {
      this.#waiting.set(sequence, item);
      return;
    }
    this.#emit(item);
    this.#next += 1;
    for (let held = this.#waiting.get(this.#next); held !== undefined; held = this.#waiting.get(this.#next)) {
      this.#waiting.delete(this.#next);
      this.#emit(held);
      this.#next += 1;
    }
  }
}
