import type { ConfigProblem } from './values.js';

/** A line dotenv reads as a setting: `NAME=value`, `export NAME=value` or `NAME: value`. */
const SETTING = /^\s*(?:export\s+)?[\w.-]+(?:\s*=|:\s)/;
/** The start of a quoted value that may go on over several lines. */
const OPENS_QUOTE = /^\s*(?:export\s+)?[\w.-]+(?:\s*=\s*|:\s+)(["'`])/;

/**
 * The lines of an env file that dotenv skips without a word (a missing `=`, a stray
 * word, a shell command): as one problem naming their numbers, never their content
 * (a broken line may hold a password). Comments, blank lines and quoted values that
 * run over several lines are fine.
 */
export function lintEnvFile(path: string, text: string): ConfigProblem[] {
  const bad: number[] = [];
  let openQuote: string | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (openQuote !== undefined) {
      if (closes(line, openQuote)) openQuote = undefined;
      return;
    }
    if (line.trim() === '' || /^\s*#/.test(line)) return;
    if (!SETTING.test(line)) {
      bad.push(index + 1);
      return;
    }
    const quote = OPENS_QUOTE.exec(line)?.[1];
    const value = line.slice(line.search(/[=:]/) + 1).trimStart();
    if (quote !== undefined && !closes(value.slice(1), quote)) openQuote = quote;
  });
  if (bad.length === 0) return [];
  const which = bad.length === 1 ? `line ${bad[0]} is` : `lines ${bad.join(', ')} are`;
  return [
    {
      variable: 'env file',
      message: `${path}: ${which} not NAME=value and ignored (fix or comment out with #)`,
    },
  ];
}

/** Does `text` hold the closing `quote` (not escaped)? */
function closes(text: string, quote: string): boolean {
  for (let index = 0; index < text.length; index++) {
    if (text[index] === '\\') index++;
    else if (text[index] === quote) return true;
  }
  return false;
}
