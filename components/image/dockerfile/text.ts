/**
 * Text primitives for Dockerfiles: quoting and instruction shapes. Everything here is pure
 * and deterministic, so equal recipes render byte-identical Dockerfiles.
 */

/** Characters a POSIX shell word may hold unquoted (no globbing, expansion or redirection). */
const BARE_WORD = /^[A-Za-z0-9_.,:/@%+=-]+$/;

/** One shell word: bare when safe, otherwise single-quoted (`numpy>=1.26,<2` -> `'numpy>=1.26,<2'`). */
export function shellWord(word: string): string {
  return BARE_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * A double-quoted Dockerfile value for ENV/LABEL. `$` is escaped so Docker does not
 * substitute variables into recipe values.
 */
export function dockerString(value: string): string {
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

/** Exec form (`["tini", "-g", "--"]`): no shell between Docker and the process. */
export function execForm(args: readonly string[]): string {
  return `[${args.map((a) => JSON.stringify(a)).join(", ")}]`;
}

/** `KEY="value"` pairs, sorted by key, one per continuation line. */
export function keyValues(keyword: "ENV" | "LABEL", pairs: Record<string, string>): string {
  const lines = Object.keys(pairs)
    .sort()
    .map((k) => `${k}=${dockerString(pairs[k])}`);
  return `${keyword} ${lines.join(" \\\n    ")}`;
}

/** One RUN of `&&`-chained commands: the first failure fails the build, one layer in all. */
export function run(commands: readonly string[]): string {
  return `RUN ${commands.join(" \\\n    && ")}`;
}

/** A block: `# why` comment lines followed by the instruction(s). */
export function step(why: string | readonly string[], ...instructions: string[]): string {
  const comments = (typeof why === "string" ? [why] : why).map((line) =>
    line === "" ? "#" : `# ${line}`,
  );
  return [...comments, ...instructions].join("\n");
}

/** Joins blocks with a blank line between them and ends the file with one newline. */
export function dockerfile(blocks: readonly string[]): string {
  return `${blocks.join("\n\n")}\n`;
}
