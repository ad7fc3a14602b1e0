/**
 * docs/rules.md is the team's index of the product's rule IDs (issue 13). This test keeps it complete:
 * every ID that code or a test cites must be in the index, and the index must list exactly the catalogue's
 * IDs (the catalogue, shared/product/rules.md, lives beside the repository; that check is skipped when it
 * is not there).
 *
 * A citation is a rule ID in a comment or in a test's name (`// R1`, `it('… (I5)')`), never in other
 * strings or identifiers, where `S3`, `K1` or `C5` may be base64, hex or a name that means something else.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '../../..');
const SCANNED = ['apps', 'libs', 'test', 'bench'];
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage']);

/** A rule ID, or a range of them (`R4-R9`, `R4–R9`). */
const CITATION = /\b([ICRSPGKX])(\d{1,2})\b(?:\s?[-–]\s?(?:\1)?(\d{1,2})\b)?/g;
/** Latency percentiles (`P95`, `P99`) are not incentive rules. */
const NOT_A_RULE = /^P([5-9]\d)$/;
const TEST_FUNCTIONS = new Set(['describe', 'it', 'test']);

/** The rule IDs a text cites, ranges expanded. */
export function citedIds(text: string): string[] {
  const ids: string[] = [];
  for (const [, prefix, from, to] of text.matchAll(CITATION)) {
    const first = Number(from);
    const last = to === undefined ? first : Number(to);
    for (let n = first; n <= Math.max(first, last); n++) {
      const id = `${prefix}${n}`;
      if (!NOT_A_RULE.test(id)) ids.push(id);
    }
  }
  return ids;
}

/** The texts of a source file where a rule may be cited: its comments and its tests' names. */
export function citingTexts(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false);
  const texts: string[] = [];
  const seen = new Set<number>();
  const comments = (ranges: ts.CommentRange[] | undefined) => {
    for (const range of ranges ?? []) {
      if (seen.has(range.pos)) continue;
      seen.add(range.pos);
      texts.push(source.slice(range.pos, range.end));
    }
  };
  const visit = (node: ts.Node) => {
    comments(ts.getLeadingCommentRanges(source, node.pos));
    comments(ts.getTrailingCommentRanges(source, node.end));
    if (ts.isCallExpression(node) && isTestFunction(node.expression)) {
      const name = node.arguments[0];
      if (name && (ts.isStringLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)))
        texts.push(name.text);
      else if (name && ts.isTemplateExpression(name)) {
        texts.push(name.head.text, ...name.templateSpans.map((span) => span.literal.text));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  comments(ts.getLeadingCommentRanges(source, file.endOfFileToken.pos));
  return texts;
}

/** `it`, `describe.each(...)`, `test.skip`, `it.concurrent.each(...)`: the root identifier names a test. */
function isTestFunction(callee: ts.Expression): boolean {
  let node: ts.Expression = callee;
  for (;;) {
    if (ts.isIdentifier(node)) return TEST_FUNCTIONS.has(node.text);
    if (ts.isPropertyAccessExpression(node)) node = node.expression;
    else if (ts.isCallExpression(node) || ts.isTaggedTemplateExpression(node)) {
      node = ts.isCallExpression(node) ? node.expression : node.tag;
    } else return false;
  }
}

/** The IDs a rules page lists: its bullets `- **R1 …**` (the catalogue) or `- **R1 Title.**` (the index). */
export function listedIds(markdown: string): string[] {
  return [...markdown.matchAll(/^\s*[-*] \*\*([A-Z]\d{1,2})\b/gm)].map((m) => m[1]);
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : sourceFiles(path);
    return SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** shared/ sits beside the repository in CI (../shared) and beside the worktrees' folder on a workstation. */
function catalogue(): string | undefined {
  const candidates = [
    process.env.RULES_CATALOGUE,
    join(ROOT, '../shared/product/rules.md'),
    join(ROOT, '../../shared/product/rules.md'),
  ];
  return candidates.find((path): path is string => !!path && existsSync(path));
}

describe('the citation scanner', () => {
  it('finds IDs in comments and test names, expands ranges, and ignores other strings and identifiers', () => {
    const source = [
      '/** Opens the ticket (R1, R2). */',
      "const key = 'K1S3C5=='; // I6: idempotent",
      'const R7 = 1;',
      "const hex = 'c5C5a0';",
      "describe.each([1])('lifecycle (R4-R6)', () => {",
      "  it(`closes it (R9) ${'X1'}`, () => {});",
      "  it.skip('p99 stays low, P99 too (C9)', () => {});",
      '});',
      '// S3 last',
    ].join('\n');
    const ids = citingTexts('fixture.spec.ts', source).flatMap(citedIds);
    expect(ids.sort()).toEqual(['C9', 'I6', 'R1', 'R2', 'R4', 'R5', 'R6', 'R9', 'S3']);
  });

  it("reads the catalogue's and the index's bullets", () => {
    const markdown =
      '- **I1 Channels.** phone\n- **X2** who viewed\n  - **R1** nested\nText **C1** not a bullet';
    expect(listedIds(markdown)).toEqual(['I1', 'X2', 'R1']);
  });
});

describe('docs/rules.md', () => {
  const indexed = listedIds(readFileSync(join(ROOT, 'docs/rules.md'), 'utf8'));

  it('lists each ID once', () => {
    expect(indexed.filter((id, i) => indexed.indexOf(id) !== i)).toEqual([]);
  });

  it('indexes every rule ID cited in apps/, libs/, test/ and bench/', () => {
    const known = new Set(indexed);
    const missing: string[] = [];
    let citations = 0;
    for (const path of SCANNED.flatMap((dir) => sourceFiles(join(ROOT, dir)))) {
      const ids = citingTexts(path, readFileSync(path, 'utf8')).flatMap(citedIds);
      citations += ids.length;
      for (const id of new Set(ids)) if (!known.has(id)) missing.push(`${relative(ROOT, path)}: ${id}`);
    }
    expect(citations).toBeGreaterThan(100); // the scan did read the code
    expect(missing).toEqual([]);
  });

  const rules = catalogue();
  (rules ? it : it.skip)('lists exactly the IDs of the catalogue (shared/product/rules.md)', () => {
    const ids = listedIds(readFileSync(rules!, 'utf8'));
    expect(ids.length).toBeGreaterThan(40);
    expect({ notInCatalogue: indexed.filter((id) => !ids.includes(id)) }).toEqual({ notInCatalogue: [] });
    expect({ notIndexed: ids.filter((id) => !indexed.includes(id)) }).toEqual({ notIndexed: [] });
  });
});
