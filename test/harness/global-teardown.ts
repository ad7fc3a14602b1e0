export default async function globalTeardown(): Promise<void> {
  await Promise.all((globalThis.__closeloopContainers ?? []).map((container) => container.stop()));
}
