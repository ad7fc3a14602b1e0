import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { EVENT_CATALOG } from './catalog';

interface AsyncApiDoc {
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
  operations: Record<string, { channel: { $ref: string } }>;
  components: { messages: Record<string, { name: string }>; schemas: Record<string, unknown> };
}

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

  describe('docs/asyncapi.yaml as a document', () => {
    // A merge can leave a key twice; YAML tools then keep one silently. uniqueKeys makes it an error.
    const parsed = parseDocument(asyncapi, { uniqueKeys: true });
    const doc = parsed.toJS() as AsyncApiDoc;

    it('parses, with no key twice', () => {
      expect(parsed.errors.map((e) => e.message)).toEqual([]);
    });

    it('has exactly the catalog’s channels, each with a send operation', () => {
      expect(Object.keys(doc.channels).sort()).toEqual(EVENT_CATALOG.map((event) => event.type).sort());
      const sent = new Set(Object.values(doc.operations).map((op) => op.channel.$ref));
      for (const type of Object.keys(doc.channels)) expect(sent).toContain(`#/channels/${type}`);
    });

    it('resolves every local $ref', () => {
      const refs = [...asyncapi.matchAll(/\$ref: '#\/([^']+)'/g)].map((m) => m[1]);
      const missing = refs.filter((ref) => {
        let node: unknown = doc;
        for (const part of ref.split('/')) {
          node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/')];
        }
        return node === undefined;
      });
      expect(missing).toEqual([]);
    });
  });
});
