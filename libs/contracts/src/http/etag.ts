/** RFC 9110 If-Match: a list of entity tags, compared strongly (a weak `W/` tag never matches). */
export function ifMatchHolds(header: string, etag: string): boolean {
  return header.split(',').some((tag) => tag.trim() === etag);
}

/** The strong ETag of a record version: `"v3"`. */
export function versionEtag(version: number): string {
  return `"v${version}"`;
}

/** The strong ETag of a settings document version: `"sla.v3"`. */
export function settingsEtag(key: string, version: number): string {
  return `"${key}.v${version}"`;
}
