import type { DataSource, EntityManager } from 'typeorm';
import type { EventDefinition, EventEnvelope } from '@closeloop/contracts';
import type { OutboxWriter } from './outbox';
import type { OutboxRelay } from './outbox-relay';

/** A transaction in progress: the entity manager, and a way to emit events that commit with it. */
export interface Tx {
  readonly manager: EntityManager;
  publish<T extends object>(
    definition: EventDefinition<T>,
    data: T,
    options?: { id?: string; time?: Date },
  ): Promise<EventEnvelope<T>>;
}

/** Runs work in one transaction; events emitted through `tx.publish` commit with it (outbox). */
export class UnitOfWork {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly relay: Pick<OutboxRelay, 'kick'>,
  ) {}

  async run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    let emitted = false;
    const result = await this.dataSource.transaction(async (manager) =>
      work({
        manager,
        publish: (definition, data, options) => {
          emitted = true;
          return this.outbox.add(manager, definition, data, options);
        },
      }),
    );
    if (emitted) this.relay.kick();
    return result;
  }
}
