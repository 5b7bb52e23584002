/**
 * A program under the SDK's mocks whose one bad arg is an Output, run in a process of its own
 * (its failed registrations are unhandled rejections, which end a jest process). Prints one
 * JSON line: the distinct error objects the rejections carried, as the SDK's handler reports
 * them (it prints each distinct object once), and their messages.
 *
 *   node late-error-program.js cluster|cluster-unknown-image|image [preview]
 */
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { DaskCluster, SlimDaskImage } from "../../components";
import { installMocks } from "../unit/components/mocks";

const [which, mode] = process.argv.slice(2);
installMocks(mode === "preview");
const reasons: unknown[] = [];
process.on("unhandledRejection", (reason) => reasons.push(reason));

const pinned = `ghcr.io/acme/dask:1@sha256:${"ab".repeat(32)}`;
if (which === "cluster" || which === "cluster-unknown-image") {
  new DaskCluster("dask", {
    // A resource's id is unknown in a preview, like a pushed image's digest.
    image:
      which === "cluster"
        ? pinned
        : new k8s.core.v1.ConfigMap("image-source", {}).id.apply(() => pinned),
    workers: pulumi.output({ replicas: 1, memory: "4GB" }),
  });
} else {
  new SlimDaskImage("img", {
    imageName: "ghcr.io/acme/dask",
    contextDir: path.join(os.tmpdir(), `slim-dask-late-error-${process.pid}`),
    base: pulumi.output("conda") as pulumi.Output<never>,
  });
}

setTimeout(() => {
  const distinct = [...new Set(reasons)];
  console.log(
    JSON.stringify({
      rejections: reasons.length,
      errors: distinct.map((e) => (e instanceof Error ? e.message : String(e))),
    }),
  );
  process.exit(0);
}, 2000);
