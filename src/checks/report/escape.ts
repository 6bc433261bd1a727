/**
 * Text that came from input, made safe to print on a terminal or in a CI log: every control
 * character (C0, DEL, C1, and the Unicode line and paragraph separators) is shown as an escape
 * (`\x1b`, `\r`, `\n`, `\u2028`), so an input cannot forge a line (a fake `PASS`, a `::error`
 * workflow command) or colour the output. Linear in the text.
 */
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    switch (c) {
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      default: {
        const code = c.charCodeAt(0);
        return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
      }
    }
  });
}
