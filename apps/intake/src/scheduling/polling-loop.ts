import { createLogger, errorFields } from '@closeloop/observability';

const log = createLogger('polling-loop');

/**
 * Runs `pass` every `intervalMs` after the previous pass ended (never two at once in a process), logs a
 * failed pass and goes on; `stop()` waits for the pass in progress. The timer does not keep the process up.
 * Whether a pass has anything to do across replicas is the pass's business (row claims, leases).
 */
export class PollingLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private started = false;
  /** A kick came while a pass ran: the next pass starts as soon as it ends. */
  private kicked = false;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly pass: () => Promise<unknown>,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    this.schedule(this.intervalMs);
  }

  /**
   * Runs a pass now instead of at the next interval (when work has just arrived), or right after the pass
   * in progress. Nothing before `start()` or after `stop()`.
   */
  kick(): void {
    if (!this.started || this.stopped) return;
    if (this.running) this.kicked = true;
    else this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.started = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.kicked = false;
      this.running = this.pass()
        .then(() => undefined)
        .catch((error: unknown) => log.error({ ...errorFields(error), loop: this.name }, 'pass failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.kicked ? 0 : this.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
