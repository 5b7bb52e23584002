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

/** The README with every generated section replaced; throws when a marker is missing. */
export function spliceReadme(readme: string): string {
  let out = readme;
  for (const g of GENERATED) {
    const open = `<!-- generated:${g.readme} -->`;
    const close = `<!-- /generated:${g.readme} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start) throw new Error(`README.md lacks ${open} ... ${close}`);
    out = `${out.slice(0, start + open.length)}\n${renderFieldsMarkdown(g.section)}\n${out.slice(end)}`;
  }
  return out;
}
