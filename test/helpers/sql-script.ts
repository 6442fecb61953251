import pg from 'pg';

/**
 * Runs a psql script without psql (which no npm package ships): the subset our
 * examples/fleet/*.sql use, so the npm tier can set a centre up from the very files an
 * operator runs. The interop tier runs the same files through the real psql and checks both
 * leave the same roles, grants and policies (test/interop/fleet/psql-examples.test.ts).
 *
 * Understood: `\set NAME value`, `\connect DATABASE` (`\c`), `:'var'` (a literal), `:"var"`
 * (an identifier), `:var` (the text as is); statements end at a `;` outside quotes and
 * comments, and each runs on its own as psql sends it (so CREATE DATABASE works). Errors
 * stop the script (ON_ERROR_STOP). Any other backslash command is refused, never ignored.
 */
export interface SqlScriptTarget {
  connect(database: string): Promise<pg.Client>;
}

export async function runSqlScript(
  text: string,
  options: { database: string; vars?: Record<string, string>; target: SqlScriptTarget },
): Promise<void> {
  const vars = new Map(Object.entries(options.vars ?? {}));
  let client = await options.target.connect(options.database);
  try {
    let pending = '';
    for (const line of text.split('\n')) {
      const meta = /^\s*\\(\S+)\s*(.*?)\s*$/.exec(line);
      if (!meta) {
        pending += `${line}\n`;
        const { statements, rest } = splitStatements(pending, vars);
        for (const statement of statements) await client.query(statement);
        pending = rest;
        continue;
      }
      const [, command, argument = ''] = meta;
      if (command === 'set') {
        const [name = '', ...value] = argument.split(/\s+/);
        vars.set(name, value.join(' '));
      } else if (command === 'connect' || command === 'c') {
        await client.end();
        client = await options.target.connect(argument);
      } else {
        throw new Error(
          `runSqlScript: psql's \\${command} is not supported here (use the interop tier's psql)`,
        );
      }
    }
    if (splitStatements(`${pending};`, vars).statements.length > 0) {
      throw new Error(`runSqlScript: the script ends inside a statement: ${pending.trim().slice(0, 80)}`);
    }
  } finally {
    await client.end();
  }
}

/**
 * Complete statements (comments dropped, variables interpolated outside quotes, without
 * their `;`) and the text left after the last one.
 */
function splitStatements(text: string, vars: Map<string, string>): { statements: string[]; rest: string } {
  const statements: string[] = [];
  let current = '';
  let consumed = 0;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quote) {
      if (char === quote) quote = undefined;
      current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      current += char;
    } else if (char === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end - 1;
    } else if (char === '$') {
      throw new Error('runSqlScript: dollar quoting is not supported here (use the interop tier)');
    } else if (char === ':' && text[i - 1] !== ':') {
      const variable = /^:(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1/.exec(text.slice(i));
      const value = variable ? vars.get(variable[2] as string) : undefined;
      if (variable && value !== undefined) {
        const kind = variable[1];
        current += kind === "'" ? pg.escapeLiteral(value) : kind === '"' ? pg.escapeIdentifier(value) : value;
        i += variable[0].length - 1;
      } else {
        current += char;
      }
    } else if (char === ';') {
      if (current.trim() !== '') statements.push(current.trim());
      current = '';
      consumed = i + 1;
    } else {
      current += char;
    }
  }
  return { statements, rest: text.slice(consumed) };
}
