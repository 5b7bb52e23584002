import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The Dockerfile a user writes first, without any of slim-dask's techniques: one stage on a
 * full Python base (a stand-in for `python:3.11`, compilers and headers included), `pip
 * install` into a venv, nothing cleaned, running as root.
 * It is the "before" of every size comparison. Wheels come from a local wheelhouse because
 * containers here cannot reach PyPI; that COPY layer is reported separately so the comparison
 * can leave it out (a real user installing from PyPI would not have it).
 */
export interface NaiveImageSpec {
  /** Full Debian + python3 + python3-venv base image. */
  baseImage: string;
  /** pip requirement specifiers, e.g. `dask[complete]==2026.8.0`. */
  requirements: string[];
  /**
   * How the install reaches the wheelhouse: `copy` (default) stores it in a layer of its own,
   * which any builder can do and size reports leave out; `mount` (BuildKit only) bind-mounts it
   * for the install, so the image holds what a PyPI install would: what a node pulls.
   */
  wheels?: "copy" | "mount";
}

/** Directory (inside the context and the image) the wheelhouse is copied to. */
export const NAIVE_WHEELS_DIR = "wheels";

/** Renders the naive single-stage Dockerfile. */
export function renderNaiveDockerfile(spec: NaiveImageSpec): string {
  if (spec.requirements.length === 0) throw new Error("naive image: no requirements given");
  const quoted = spec.requirements.map((r) => `'${r.replace(/'/g, "")}'`).join(" ");
  const wheels = `/tmp/${NAIVE_WHEELS_DIR}`;
  return [
    `FROM ${spec.baseImage}`,
    ...(spec.wheels === "mount"
      ? [
          `RUN --mount=type=bind,source=${NAIVE_WHEELS_DIR},target=${wheels} \\`,
          "    python3 -m venv /opt/venv \\",
        ]
      : [`COPY ${NAIVE_WHEELS_DIR}/ ${wheels}/`, "RUN python3 -m venv /opt/venv \\"]),
    `    && /opt/venv/bin/pip install --no-index --find-links ${wheels} ${quoted}`,
    'ENV PATH="/opt/venv/bin:$PATH"',
    'CMD ["dask", "scheduler"]',
    "",
  ].join("\n");
}

/** Writes a build context (Dockerfile + copy of the wheelhouse) for the naive image. */
export function writeNaiveContext(spec: NaiveImageSpec, wheelhouse: string, dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, NAIVE_WHEELS_DIR), { recursive: true });
  for (const file of fs.readdirSync(wheelhouse).filter((f) => f.endsWith(".whl"))) {
    fs.copyFileSync(path.join(wheelhouse, file), path.join(dir, NAIVE_WHEELS_DIR, file));
  }
  fs.writeFileSync(path.join(dir, "Dockerfile"), renderNaiveDockerfile(spec));
}
