import { getJson } from "./cluster-env";

/** A Kubernetes CPU quantity (`2`, `1.5`, `500m`) in millicores. */
export function cpuMillis(quantity: string): number {
  return quantity.endsWith("m")
    ? Number(quantity.slice(0, -1))
    : Math.round(Number(quantity) * 1000);
}

/** The node's allocatable CPU and the CPU requested by every pod that still holds it. */
export async function nodeCpu(): Promise<{ allocatable: number; requested: number }> {
  const nodes = await getJson<{ items: { status: { allocatable: { cpu: string } } }[] }>(["nodes"]);
  const pods = await getJson<{
    items: {
      status: { phase: string };
      spec: { containers: { resources?: { requests?: { cpu?: string } } }[] };
    }[];
  }>(["pods", "-A"]);
  const requested = pods.items
    .filter((p) => !["Succeeded", "Failed"].includes(p.status.phase))
    .flatMap((p) => p.spec.containers)
    .reduce((sum, c) => sum + cpuMillis(c.resources?.requests?.cpu ?? "0"), 0);
  return {
    allocatable: nodes.items.reduce((s, n) => s + cpuMillis(n.status.allocatable.cpu), 0),
    requested,
  };
}
