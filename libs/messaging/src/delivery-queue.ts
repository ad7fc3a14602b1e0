/**
 * The delivery queue between the pull and the transactions: messages that arrived in one turn of the event
 * loop go into one batch (no timer, so under light load a message starts at once); at most `concurrency`
 * batches of at most `batchSize` messages are handled at a time (each holds one pooled connection for its
 * transaction). `accept` resolves once the queue holds less than a full batch, which stops the pull from
 * taking (and so asking the broker for) more. `drain` handles everything already taken: messages taken from
 * the broker are handled at shutdown, not left to time out.
 */
export class DeliveryQueue<M> {
  /** Batches being handled. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Delivered messages waiting for a free batch slot. */
  private readonly queue: M[] = [];
  private dispatchScheduled = false;
  private queueHasRoom?: () => void;
  private closed = false;

  constructor(
    private readonly batchSize: number,
    private readonly concurrency: number,
    /** Handles one batch; must not reject (it settles each message itself). */
    private readonly handle: (batch: M[]) => Promise<void>,
  ) {}

  /** Accepts messages again after `close()` (a consumer started again). */
  open(): void {
    this.closed = false;
  }

  async accept(msg: M): Promise<void> {
    this.queue.push(msg);
    this.scheduleDispatch();
    // A full batch waiting: stop taking messages (and so asking the broker for more) until it starts.
    while (this.queue.length >= this.batchSize && !this.closed) {
      await new Promise<void>((resolve) => (this.queueHasRoom = resolve));
    }
  }

  /** Releases a pull waiting for room; messages accepted after this are still handled by `drain`. */
  close(): void {
    this.closed = true;
    this.queueHasRoom?.();
  }

  /** Handles everything waiting and in flight. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0 || this.queue.length > 0) {
      this.dispatch();
      await Promise.allSettled([...this.inFlight]);
    }
  }

  /**
   * Starts batches after the I/O callbacks of this turn of the event loop, so that messages which arrived
   * together (one pull's worth) go into one batch.
   */
  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  /** Starts as many batches as there are free slots, each with up to `batchSize` waiting messages. */
  private dispatch(): void {
    while (this.inFlight.size < this.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchSize);
      const task = this.handle(batch).finally(() => {
        this.inFlight.delete(task);
        this.scheduleDispatch();
      });
      this.inFlight.add(task);
    }
    if (this.queue.length < this.batchSize) {
      this.queueHasRoom?.();
      this.queueHasRoom = undefined;
    }
  }
}
