import { Section, renderArgsModule, renderFieldsMarkdown } from "./common/fields";
import { CLUSTER_SECTION } from "./cluster/fields";
import { IMAGE_SECTION } from "./image/fields";

/**
 * Files generated from the field tables (`npm run generate` writes them; a unit test fails
 * when they drift): each component's `args.ts`, and its args tables in the README between
 * `<!-- generated:<name> -->` and `<!-- /generated:<name> -->`.
 */

interface Generated {
  section: Section;
  /** The table's source file, named in the generated header. */
  table: string;
  /** The generated module, relative to the repository root. */
  args: string;
  /** Marker name in the README. */
  readme: string;
}

const GENERATED: readonly Generated[] = [
  {
    section: IMAGE_SECTION,
    table: "components/image/fields.ts",
    args: "components/image/args.ts",
    readme: "image-args",
  },
  {
    section: CLUSTER_SECTION,
    table: "components/cluster/fields.ts",
    args: "components/cluster/args.ts",
    readme: "cluster-args",
  },
];

/** `path -> content` of every generated module. */
export function generatedModules(): Record<string, string> {
  return Object.fromEntries(GENERATED.map((g) => [g.args, renderArgsModule(g.section, g.table)]));
}

/**
 * `text` with what stands between `<!-- generated:<name> -->` and `<!-- /generated:<name> -->`
 * replaced by `content`; throws when a marker is missing.
 */
export function spliceGenerated(text: string, name: string, content: string): string {
  const open = `<!-- generated:${name} -->`;
  const close = `<!-- /generated:${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`missing ${open} ... ${close}`);
  return `${text.slice(0, start + open.length)}\n${content}\n${text.slice(end)}`;
}

/** The README with every generated args table replaced; throws when a marker is missing. */
export function spliceReadme(readme: string): string {
  return GENERATED.reduce(
    (out, g) => spliceGenerated(out, g.readme, renderFieldsMarkdown(g.section)),
    readme,
  );
}
