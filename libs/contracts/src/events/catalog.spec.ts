import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_CATALOG } from './catalog';

describe('event catalog', () => {
  const asyncapi = readFileSync(join(__dirname, '../../../../docs/asyncapi.yaml'), 'utf8');

  it.each(EVENT_CATALOG.map((event) => [event.type]))('%s is documented in docs/asyncapi.yaml', (type) => {
    expect(asyncapi).toContain(`\n  ${type}:\n    address: '{prefix}.events.${type}'`);
    expect(asyncapi).toContain(`name: ${type}`);
  });

  it('names every type <aggregate>.<event>.v<N>, once', () => {
    const types = EVENT_CATALOG.map((event) => event.type);
    expect(new Set(types).size).toBe(types.length);
    for (const type of types) expect(type).toMatch(/^[a-z][a-z-]*\.[a-z][a-z-]*\.v\d+$/);
  });
});
