import { SlimDaskError, show } from "../common/errors";

/**
 * CPU and memory quantities that must mean the same thing to Kubernetes (requests and
 * limits) and to Dask (the chart passes limits.cpu / limits.memory to `dask worker
 * --nthreads / --memory-limit`).
 */

// Kubernetes cpu: whole or decimal cores (at most millicore precision) or integer millicores.
const CPU_RE = /^(?:([0-9]+)(?:\.([0-9]{1,3}))?|([0-9]+)m)$/;

/**
 * Memory units accepted, and why. dask.utils.parse_bytes lower-cases the unit and looks it
 * up in: "" and b = 1, k/kb = 1e3, m/mb = 1e6, g/gb = 1e9, t/tb = 1e12, p/pb = 1e15,
 * ki/kib = 2^10, mi/mib = 2^20, gi/gib = 2^30, ti/tib = 2^40, pi/pib = 2^50.
 * Kubernetes knows k M G T P E (decimal), Ki Mi Gi Ti Pi Ei (binary) and m (milli).
 * Kept: the units both read identically. Rejected: `m` (milli to Kubernetes, mega to
 * Dask), `E`/`Ei` (unknown to Dask), `K`/`KB`/`GB`/`GiB`... (invalid for Kubernetes),
 * exponents (`1e9`: easy to confuse with `E`).
 */
const MEMORY_UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};
const MEMORY_RE = /^([0-9]+)(\.[0-9]+)?(k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$/;

/**
 * Smallest memory accepted. Container runtimes refuse limits of a few MB, and Dask's
 * parse_memory_limit reads a bare number <= 1 as a fraction of host memory.
 */
export const MIN_MEMORY_BYTES = 2 ** 20;

/** Validates a Kubernetes cpu quantity (`2`, `1.5`, `500m`) and returns millicores. */
export function parseCpu(value: unknown, field: string): number {
  const fix = "write whole or decimal cores as a string (`2`, `1.5`) or millicores (`500m`), > 0";
  if (typeof value === "number") {
    throw new SlimDaskError(
      field,
      `is the number ${value}, not a quantity`,
      `quote it: YAML reads an unquoted ${value} as a number (write \`cpu: "${value}"\`)`,
    );
  }
  if (typeof value !== "string") {
    throw new SlimDaskError(field, `must be a cpu quantity string, got ${show(value)}`, fix);
  }
  const m = CPU_RE.exec(value);
  if (!m) throw new SlimDaskError(field, `${show(value)} is not a Kubernetes cpu quantity`, fix);
  const millis =
    m[3] !== undefined ? Number(m[3]) : Number(m[1]) * 1000 + Number((m[2] ?? "").padEnd(3, "0"));
  if (millis <= 0) throw new SlimDaskError(field, `${show(value)} is zero`, fix);
  return millis;
}

/**
 * Validates a memory quantity that Kubernetes and Dask's parse_bytes read identically
 * (`4Gi`, `512Mi`, `4G`, `1000000000`) and returns its size in bytes.
 */
export function parseMemory(value: unknown, field: string): number {
  const fix =
    "write an integer with an optional unit k, M, G, T, P, Ki, Mi, Gi, Ti or Pi (e.g. `4Gi`, `512Mi`, `4G`); not `m` (milli to Kubernetes, mega to Dask) or `E`/`Ei`";
  if (typeof value === "number") {
    throw new SlimDaskError(
      field,
      `is the number ${value}, not a quantity with a unit`,
      `write it as text with its unit, e.g. \`memory: ${value}Mi\` (YAML reads an unquoted ${value} as a number; a bare "${value}" would mean ${value} bytes)`,
    );
  }
  if (typeof value !== "string") {
    throw new SlimDaskError(field, `must be a memory quantity string, got ${show(value)}`, fix);
  }
  const m = MEMORY_RE.exec(value);
  if (!m || (m[2] !== undefined && m[3] === undefined)) {
    // A fractional plain number is a fraction of a byte (or, to Dask, of host memory).
    throw new SlimDaskError(
      field,
      `${show(value)} is not a memory quantity both Kubernetes and Dask understand`,
      fix,
    );
  }
  const bytes = Number(`${m[1]}${m[2] ?? ""}`) * MEMORY_UNITS[m[3] ?? ""];
  if (bytes < MIN_MEMORY_BYTES) {
    throw new SlimDaskError(field, `${show(value)} is less than 1Mi`, "give at least `1Mi`");
  }
  return bytes;
}

/**
 * Threads per worker from a cpu quantity: whole cores, at least 1, so `500m` or `1.5`
 * never reaches `dask worker --nthreads` (which takes an integer).
 */
export function threadsFromCpuMillis(millis: number): number {
  return Math.max(1, Math.floor(millis / 1000));
}
