/** The characters after which a YAML or JSON token (here: a quoted scalar) can start. */
const TOKEN_BOUNDARY = new Set([' ', '\t', '\r', '\n', ':', '[', ']', '{', '}', ',', '-', '?']);

/**
 * Whether a JSON or YAML text nests deeper than a parser that recurses per level can take: more
 * than `maxDepth` open brackets (`[`, `{` outside quoted strings) at once, or a line indented more
 * than `maxIndent` columns (block style nests by indentation). One linear pass; real templates and
 * manifests stay far below both limits.
 */
export function nestsTooDeep(text: string, maxDepth = 256, maxIndent = 512): boolean {
  let depth = 0;
  let quote: string | undefined;
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (c === ' ') {
        if (++indent > maxIndent) {
          return true;
        }
        continue;
      }
      lineStart = false;
    }
    if (quote !== undefined) {
      if (c === '\\' && quote === '"') {
        i++;
      } else if (c === quote) {
        quote = undefined;
      }
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      // A comment: skip to the end of the line (its quotes and brackets are not the document's).
      const end = text.indexOf('\n', i);
      i = (end < 0 ? text.length : end) - 1;
    } else if ((c === '"' || c === '\'') && (i === 0 || TOKEN_BOUNDARY.has(text[i - 1]))) {
      // A quoted scalar starts where a token can (`it's` is a plain scalar, not a quote).
      quote = c;
    } else if (c === '[' || c === '{') {
      if (++depth > maxDepth) {
        return true;
      }
    } else if ((c === ']' || c === '}') && depth > 0) {
      depth--;
    }
  }
  return false;
}
