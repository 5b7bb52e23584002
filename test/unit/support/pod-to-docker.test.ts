import { chartPods } from "../../../components/cluster/pods";
import { chartFullname } from "../../../components/cluster/addresses";
import { daskChartValues } from "../../../components/cluster/values";
import { dockerRunArgs } from "../../support/pod-to-docker";

const image = `127.0.0.1:5000/slim-dask/e2e:t@sha256:${"a".repeat(64)}`;

describe("dockerRunArgs", () => {
  const values = daskChartValues({
    image,
    releaseName: "e2e",
    runAsUser: 1234,
    runAsGroup: 1234,
    workers: { replicas: 2, cpu: "1500m", memory: "1Gi", env: { A: "b=c" } },
  });
  const pods = chartPods(values, "e2e");

  it("passes the worker's exact args after the image, with user, limits and env", () => {
    const args = dockerRunArgs(pods.worker, { name: "w0", network: "net", restart: "always" });
    const at = args.indexOf(image);
    expect(args.slice(at + 1)).toEqual(pods.worker.args);
    expect(args.slice(at + 1)[1]).toBe(`${chartFullname("e2e", values)}-scheduler:8786`);
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect(pods.worker.securityContext).toMatchObject({ runAsUser: 1234, runAsGroup: 1234 });
    expect(flag("--user")).toBe("1234:1234");
    expect(flag("--cpus")).toBe("1.5");
    expect(flag("--memory")).toBe(String(2 ** 30));
    expect(flag("--restart")).toBe("always");
    expect(args).toContain("A=b=c");
    // Never an entrypoint override: tini must stay PID 1.
    expect(args).not.toContain("--entrypoint");
  });

  it("gives the scheduler its Service name as a network alias and no limits when none are set", () => {
    const args = dockerRunArgs(pods.scheduler, {
      name: "s",
      network: "net",
      aliases: ["e2e-scheduler"],
    });
    expect(args[args.indexOf("--network-alias") + 1]).toBe("e2e-scheduler");
    expect(args).not.toContain("--cpus");
    expect(args.slice(args.indexOf(image) + 1)).toEqual(pods.scheduler.args);
  });

  it("rejects a non-numeric runAsUser instead of passing it through", () => {
    const pod = { ...pods.worker, securityContext: { runAsUser: "root" } };
    expect(() => dockerRunArgs(pod, { name: "x", network: "n" })).toThrow(/runAsUser/);
  });
});
