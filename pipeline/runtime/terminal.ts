/**
 * Characters that a terminal acts on instead of showing: C0 and C1 controls (ESC starts the
 * sequences that recolour, move the cursor, set the window title or rewrite the screen; CR and
 * LF break or overwrite a log line), DEL, and the line separators and bidi controls that
 * reorder or hide the text around them.
 */
const ACTS_ON_TERMINAL = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

/**
 * User-controlled text (file names, paragraphs, reject reasons, paths typed on the command
 * line) as it may be printed to a terminal: every such character shown as an escape, `\x1B`
 * or `\u202E`, and everything else as it is. Pass one line at a time: line breaks are escaped too.
 */
export function forTerminal(text: string): string {
  return text.replace(ACTS_ON_TERMINAL, (character) => {
    const code = character.charCodeAt(0);
    return code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
  });
}

const hex = (code: number, digits: number) => code.toString(16).toUpperCase().padStart(digits, "0");
