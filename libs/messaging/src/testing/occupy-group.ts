import type { GroupedUnitOfWork } from '../grouped-unit-of-work';

/**
 * Holds a grouped unit of work's group slot until released, so the calls made meanwhile gather into the
 * next group (run it with maxInFlight 1). Resolves once the holding item runs.
 */
export async function occupyGroup(uow: GroupedUnitOfWork): Promise<{ release: () => void }> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  await new Promise<void>((started) => {
    void uow.run(async () => {
      started();
      await gate;
    });
  });
  return { release };
}
