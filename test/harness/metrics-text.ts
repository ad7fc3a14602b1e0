/**
 * The value of one sample in Prometheus exposition text: the line of `name` whose labels include all of
 * `labels` (in any order), or undefined. For tests; not a full parser.
 */
export function sampleValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const close = line.lastIndexOf('}');
    const labelText = close >= 0 ? line.slice(name.length + 1, close) : '';
    const present = new Set(labelText.split(/,(?=[a-zA-Z_]+=")/));
    if (wanted.every((pair) => present.has(pair)))
      return Number(
        line
          .slice(close + 1)
          .trim()
          .split(' ')[0],
      );
  }
  return undefined;
}
