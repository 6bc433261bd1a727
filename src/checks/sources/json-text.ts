import { errorMessage, InputError, oneLine } from './input-error';

/**
 * Parses JSON text. On malformed input, throws an `InputError` that names the file and the line
 * and column where the text stops being JSON.
 */
export function parseJson(text: string, file: string): unknown {
  const source = stripBom(text);
  try {
    return JSON.parse(source);
  } catch (e) {
    const offset = jsonErrorOffset(source);
    const where = offset === undefined ? '' : ` at ${lineColumn(source, offset)}`;
    throw new InputError(`cannot parse JSON in ${file}${where}: ${describeJsonError(source, offset, e)}`);
  }
}

/** JSON when the file name says so, or when a file without a YAML extension starts like JSON. */
export function looksLikeJson(text: string, file: string): boolean {
  if (/\.json$/i.test(file)) {
    return true;
  }
  if (/\.ya?ml$/i.test(file)) {
    return false;
  }
  return /^\s*[{[]/.test(stripBom(text));
}

/** Removes a leading byte order mark. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** `line L, column C` (both 1-based) of a character offset. */
export function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

function describeJsonError(text: string, offset: number | undefined, error: unknown): string {
  if (offset !== undefined) {
    if (offset >= text.length) {
      return 'unexpected end of input';
    }
    const ch = text[offset];
    const shown = ch === '\r' || ch === '\n' ? 'line break' : `'${ch}'`;
    return `unexpected ${shown}`;
  }
  // V8's message quotes the whole input after a comma; keep the first clause only.
  const message = oneLine(errorMessage(error));
  return message.replace(/, ".*" is not valid JSON$/, '').replace(/ in JSON at position \d+.*$/, '');
}

/**
 * The offset of the first character at which `text` is not valid JSON (RFC 8259), or undefined
 * when the scanner finds none. Only used to report a location: `JSON.parse` does the parsing.
 */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const fail = (): never => {
    throw new JsonScanStop(i);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) {
      i++;
    }
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length) {
      const ch = text[i];
      if (ch === '"') {
        i++;
        return;
      }
      if (ch === '\\') {
        i++;
        if (i < text.length && '"\\/bfnrt'.includes(text[i])) {
          i++;
        } else if (text[i] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) {
          i += 5;
        } else {
          fail();
        }
        continue;
      }
      if (ch < ' ') {
        fail();
      }
      i++;
    }
    fail();
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') {
          fail();
        }
        string();
        ws();
        if (text[i] !== ':') {
          fail();
        }
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail();
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail();
      }
    }
    if (ch === '"') {
      return string();
    }
    NUMBER.lastIndex = i;
    if (NUMBER.test(text)) {
      i = NUMBER.lastIndex;
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    fail();
  };
  try {
    value();
    ws();
    return i < text.length ? i : undefined;
  } catch (e) {
    if (e instanceof JsonScanStop) {
      return e.offset;
    }
    return undefined; // e.g. nesting too deep for the scanner: report without a location
  }
}

class JsonScanStop {
  constructor(public readonly offset: number) {}
}
