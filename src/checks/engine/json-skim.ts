/**
 * Reading the outline of a JSON text without building it: where each top-level item starts and
 * ends and, for an item that is an object, the `apiVersion` and `kind` it holds. A kubectl
 * manifest of CustomResourceDefinitions (the Karpenter CRDs are most of a cluster's template) can
 * then be counted without materializing tens of kilobytes of schema no rule reads, while every
 * object a rule might judge is still parsed by `JSON.parse` from its own slice of the text.
 *
 * The skim accepts only what `JSON.parse` accepts (RFC 8259: the four whitespace characters,
 * strings without raw control characters and with the nine escapes, numbers without leading
 * zeros, `true` / `false` / `null`), and gives up (undefined) on anything else, so the caller falls
 * back to `JSON.parse` and its error. An item-level key or an `apiVersion` / `kind` value written
 * with an escape is not interpreted: the item is marked `escaped` and the caller parses it.
 * Duplicate keys read as `JSON.parse` reads them: the last one wins.
 *
 * Linear in the text: each character is read once, and nothing is allocated per value.
 */

/** One top-level item of a JSON text (each element of a top-level array, or the whole value). */
export interface SkimmedItem {
  /** Offset of the item's first character. */
  readonly start: number;
  /** Offset just past the item's last character (`text.slice(start, end)` is the item's JSON). */
  readonly end: number;
  /** Whether the item is an object. */
  readonly object: boolean;
  /** The object's `apiVersion`, when its last one is a string written without escapes. */
  readonly apiVersion?: string;
  /** The object's `kind`, when its last one is a string written without escapes. */
  readonly kind?: string;
  /** Whether a key of the object, or its `apiVersion` or `kind` value, is written with an escape (not interpreted here). */
  readonly escaped: boolean;
}

/** The outline of a JSON text. */
export interface Skim {
  /** Whether the text is a JSON array (its elements are the items) rather than one value. */
  readonly list: boolean;
  readonly items: SkimmedItem[];
}

/** Nesting beyond which the skim gives up (the caller's `JSON.parse` then decides). */
const MAX_DEPTH = 4096;

const CONTROL = /[\u0000-\u001f]/;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** What the last string read held, for the keys and values the skim looks at. */
interface StringRead {
  /** Offset just past the closing quote, or -1 when the text has no valid string here. */
  end: number;
  /** Whether the string had an escape. */
  escaped: boolean;
  /** Whether the text has no control character at all (then strings are read by searching for quotes). */
  readonly controlFree: boolean;
  /** Offset of the next backslash at or after the last one looked for (-1: none), reused while ahead. */
  backslash: number;
}

/** The length of the escape at `at` (a backslash), or 0 when it is not one JSON allows. */
function escapeLength(text: string, at: number): number {
  const next = text.charCodeAt(at + 1);
  if (next === QUOTE || next === BACKSLASH || next === 0x2f /* / */ || next === 0x62 /* b */ || next === 0x66 /* f */ ||
    next === 0x6e /* n */ || next === 0x72 /* r */ || next === 0x74 /* t */) {
    return 2;
  }
  return next === 0x75 /* u */ && isHex(text.charCodeAt(at + 2)) && isHex(text.charCodeAt(at + 3)) &&
    isHex(text.charCodeAt(at + 4)) && isHex(text.charCodeAt(at + 5)) ? 6 : 0;
}

/**
 * Reads the string whose opening quote is at `i` into `out`, in a text without control
 * characters: the closing quote and the backslashes are found with `indexOf`, and each part of the
 * text is searched once (a backslash found ahead is remembered until the reading passes it).
 */
function readStringControlFree(text: string, i: number, out: StringRead): void {
  out.escaped = false;
  let at = i + 1;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote < 0) {
      out.end = -1;
      return;
    }
    if (out.backslash !== -1 && out.backslash < at) {
      out.backslash = text.indexOf('\\', at);
    }
    if (out.backslash === -1 || out.backslash > quote) {
      out.end = quote + 1;
      return;
    }
    const length = escapeLength(text, out.backslash);
    if (length === 0) {
      out.end = -1;
      return;
    }
    out.escaped = true;
    at = out.backslash + length;
  }
}

function skipWhitespace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
      return i;
    }
    i++;
  }
}

function isHex(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Reads the string whose opening quote is at `i` into `out`. */
function readString(text: string, i: number, out: StringRead): void {
  if (out.controlFree) {
    readStringControlFree(text, i, out);
    return;
  }
  out.escaped = false;
  const length = text.length;
  let at = i + 1;
  while (at < length) {
    const c = text.charCodeAt(at);
    if (c === QUOTE) {
      out.end = at + 1;
      return;
    }
    if (c < 0x20) {
      break; // a raw control character
    }
    if (c !== BACKSLASH) {
      at++;
      continue;
    }
    out.escaped = true;
    const escape = escapeLength(text, at);
    if (escape === 0) {
      break;
    }
    at += escape;
  }
  out.end = -1;
}

/** Offset just past the digits from `i` (`i` itself when there are none). */
function skipDigits(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    // Written so that NaN (past the end of the text) is not a digit.
    if (!(c >= ZERO && c <= NINE)) {
      return i;
    }
    i++;
  }
}

/** Offset just past the number (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`) at `i`, or -1. */
function skipNumber(text: string, i: number): number {
  let at = text.charCodeAt(i) === MINUS ? i + 1 : i;
  const first = text.charCodeAt(at);
  if (first === ZERO) {
    at++;
  } else if (first > ZERO && first <= NINE) {
    at = skipDigits(text, at + 1);
  } else {
    return -1;
  }
  if (text.charCodeAt(at) === DOT) {
    const fraction = skipDigits(text, at + 1);
    if (fraction === at + 1) {
      return -1;
    }
    at = fraction;
  }
  const e = text.charCodeAt(at);
  if (e === 0x65 /* e */ || e === 0x45 /* E */) {
    const sign = text.charCodeAt(at + 1);
    const digits = sign === 0x2b /* + */ || sign === MINUS ? at + 2 : at + 1;
    const exponent = skipDigits(text, digits);
    if (exponent === digits) {
      return -1;
    }
    at = exponent;
  }
  return at;
}

/** Offset just past the number, `true`, `false` or `null` at `i`, or -1. */
function skipScalar(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x74 /* t */) {
    return text.startsWith('true', i) ? i + 4 : -1;
  }
  if (c === 0x66 /* f */) {
    return text.startsWith('false', i) ? i + 5 : -1;
  }
  if (c === 0x6e /* n */) {
    return text.startsWith('null', i) ? i + 4 : -1;
  }
  return skipNumber(text, i);
}

/** An item being read: its fields, filled while the skim is inside it. */
class ItemBuilder {
  public start = 0;
  public object = false;
  public apiVersion: string | undefined;
  public kind: string | undefined;
  public escaped = false;

  public reset(start: number, object: boolean): void {
    this.start = start;
    this.object = object;
    this.apiVersion = undefined;
    this.kind = undefined;
    this.escaped = false;
  }

  public build(end: number): SkimmedItem {
    return { start: this.start, end, object: this.object, apiVersion: this.apiVersion, kind: this.kind, escaped: this.escaped };
  }
}

/**
 * The outline of `text` (see the module comment), or undefined when it is not valid JSON or nests
 * deeper than the skim follows.
 */
export function skimJson(text: string): Skim | undefined {
  // Raw control characters are only allowed as whitespace between tokens; a text without any (as
  // JSON.stringify writes it) can have its strings read by searching for their quotes.
  const str: StringRead = { end: -1, escaped: false, controlFree: !CONTROL.test(text), backslash: text.indexOf('\\') };
  const items: SkimmedItem[] = [];
  const item = new ItemBuilder();
  // The open containers, innermost last: true for an object, false for an array.
  const open: boolean[] = [];
  let i = skipWhitespace(text, 0);
  const list = text.charCodeAt(i) === OPEN_BRACKET;
  // Depth of the containers that are items' own (the top-level array's elements are at depth 1).
  const itemDepth = list ? 1 : 0;
  // The item-level key being read in an object item: which field its value sets.
  let field: 'apiVersion' | 'kind' | undefined;

  // Each pass reads one value (at `i`, whitespace skipped), then what follows it up to the next value.
  for (;;) {
    const depth = open.length;
    if (depth === itemDepth) {
      item.reset(i, text.charCodeAt(i) === OPEN_BRACE);
    }
    const c = text.charCodeAt(i);
    let end: number;
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (depth >= MAX_DEPTH) {
        return undefined;
      }
      if (field !== undefined) {
        item[field] = undefined; // an object or a list: the last apiVersion / kind is not a string
        field = undefined;
      }
      const isObject = c === OPEN_BRACE;
      open.push(isObject);
      i = skipWhitespace(text, i + 1);
      const close = text.charCodeAt(i);
      if (close === (isObject ? CLOSE_BRACE : CLOSE_BRACKET)) {
        open.pop();
        end = i + 1;
      } else {
        if (isObject) {
          i = readKey(text, i, open.length - 1 === itemDepth);
          if (i < 0) {
            return undefined;
          }
        }
        continue;
      }
    } else if (c === QUOTE) {
      readString(text, i, str);
      end = str.end;
      if (end < 0) {
        return undefined;
      }
      if (field !== undefined) {
        // An item-level apiVersion / kind (depth: the value sits in the item's own object).
        const value = str.escaped ? undefined : text.slice(i + 1, end - 1);
        item.escaped ||= str.escaped;
        item[field] = value;
      }
    } else {
      end = skipScalar(text, i);
      if (end < 0) {
        return undefined;
      }
      if (field !== undefined) {
        item[field] = undefined; // not a string: the last apiVersion / kind is not one
      }
    }
    field = undefined;
    // After a value: close containers, or move to the next element or key.
    i = end;
    for (;;) {
      if (open.length === itemDepth) {
        items.push(item.build(i));
      }
      i = skipWhitespace(text, i);
      if (open.length === 0) {
        return i === text.length ? { list, items } : undefined;
      }
      const inObject = open[open.length - 1];
      const next = text.charCodeAt(i);
      if (next === COMMA) {
        i = skipWhitespace(text, i + 1);
        if (inObject) {
          i = readKey(text, i, open.length - 1 === itemDepth);
          if (i < 0) {
            return undefined;
          }
        }
        break;
      }
      if (next === (inObject ? CLOSE_BRACE : CLOSE_BRACKET)) {
        open.pop();
        i += 1;
        continue;
      }
      return undefined;
    }
  }

  /** Reads `"key" :` at `i`; returns the offset of the value (whitespace skipped), or -1. */
  function readKey(t: string, at: number, itemLevel: boolean): number {
    if (t.charCodeAt(at) !== QUOTE) {
      return -1;
    }
    readString(t, at, str);
    if (str.end < 0) {
      return -1;
    }
    if (itemLevel) {
      if (str.escaped) {
        item.escaped = true;
      } else if (str.end - at === 12 && t.startsWith('"apiVersion"', at)) {
        field = 'apiVersion';
      } else if (str.end - at === 6 && t.startsWith('"kind"', at)) {
        field = 'kind';
      }
    }
    const colon = skipWhitespace(t, str.end);
    if (t.charCodeAt(colon) !== COLON) {
      return -1;
    }
    return skipWhitespace(t, colon + 1);
  }
}
