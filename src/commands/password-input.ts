import type { ReadStream } from 'node:tty';

/** Reads a password: from the terminal without echo, or the first line of stdin when piped. */
export type PasswordSource = (prompt: string) => Promise<string>;

/** At a terminal: raw mode, nothing echoed, Enter ends, Ctrl-C / Ctrl-D give up. */
function fromTerminal(stdin: ReadStream, write: (text: string) => void, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    write(prompt);
    let text = '';
    stdin.setRawMode(true);
    stdin.resume();
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      write('\n');
      if (error) reject(error);
      else resolve(text);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003' || char === '\u0004') return done(new Error('no password given'));
        if (char === '\u007f' || char === '\b') text = [...text].slice(0, -1).join('');
        else text += char;
      }
    };
    stdin.on('data', onData);
  });
}

let piped: Promise<string[]> | undefined;

/** Piped: the whole of stdin, one password a line (add asks twice: the same line serves both). */
function fromPipe(stdin: NodeJS.ReadableStream): Promise<string> {
  piped ??= (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
  })();
  return piped.then((lines) => lines[0] ?? '');
}

/** The real one, bound to this process's stdin; prompts go to `prompt` (stderr, never stdout). */
export function processPasswordSource(prompt: (text: string) => void): PasswordSource {
  const stdin = process.stdin;
  return (text) => (stdin.isTTY ? fromTerminal(stdin as ReadStream, prompt, text) : fromPipe(stdin));
}
