import * as path from "path";
import {
  FAKE_DIGEST,
  chartValues,
  isSecretInput,
  one,
  plain,
  requireInstalled,
  runExample,
} from "./examples-harness";

jest.setTimeout(180_000);

const DIR = path.resolve(__dirname, "../../examples/aws");
const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const KUBECONFIG = JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [] });

describe("examples/aws under mocks", () => {
  test("pushes to ECR with a token from getAuthorizationToken and deploys on EKS through its kubeconfig", async () => {
    // @pulumi/aws and @pulumi/eks come from the example's own install (the root has neither).
    requireInstalled(DIR, ["@pulumi/aws", "@pulumi/eks"]);
    const run = await runExample(path.join(DIR, "index.ts"), {
      project: "slim-dask-aws",
      config: { "aws:region": "us-east-1" },
      state: {
        "aws:ecr/repository:Repository": (_inputs, name) => ({
          registryId: "123456789012",
          repositoryUrl: `${ECR}/${name}-0a1b2c3`,
        }),
        "eks:index:Cluster": () => ({ kubeconfigJson: KUBECONFIG }),
      },
      calls: {
        "aws:ecr/getAuthorizationToken:getAuthorizationToken": (inputs) => ({
          userName: "AWS",
          password: "ecr-token-from-aws",
          proxyEndpoint: `https://${ECR}`,
          authorizationToken: "QVdTOmVjci10b2tlbg==",
          registryId: inputs.registryId,
        }),
      },
    });

    const repo = one(run, "aws:ecr/repository:Repository", "dask");
    expect(repo.inputs.forceDelete).toBe(true);
    const token = run.calls.find((c) => c.token.startsWith("aws:ecr/getAuthorizationToken"));
    expect(token?.inputs.registryId).toBe("123456789012");

    const image = one(run, "docker:index/image:Image", "dask-image");
    expect(image.inputs.imageName).toMatch(
      new RegExp(`^${ECR}/dask-0a1b2c3:\\d{4}\\.\\d+\\.\\d+-[0-9a-f]{12}$`),
    );
    const registry = plain(image.inputs.registry) as Record<string, unknown>;
    // The server is the ECR host parsed from the repository URL, not the URL itself.
    expect(plain(registry.server)).toBe(ECR);
    expect(plain(registry.username)).toBe("AWS");
    expect(isSecretInput(registry.password) || isSecretInput(image.inputs.registry)).toBe(true);
    expect(plain(registry.password)).toBe("ecr-token-from-aws");

    const eks = one(run, "eks:index:Cluster", "dask");
    expect(eks.inputs).toMatchObject({ desiredCapacity: 3, minSize: 1, maxSize: 4 });
    const provider = one(run, "pulumi:providers:kubernetes", "eks");
    expect(plain(provider.inputs.kubeconfig)).toBe(KUBECONFIG);

    const release = one(run, "kubernetes:helm.sh/v3:Release", "dask");
    expect(release.provider).toMatch(/::pulumi:providers:kubernetes::eks::/);
    const values = chartValues(release);
    expect(values.worker.replicas).toBe(2);
    expect(values.worker.resources.limits).toEqual({ cpu: "1500m", memory: "5Gi" });
    // A worker must fit an m6i.large's allocatable CPU (about 1930m, less 125m of daemonsets).
    expect(Number(values.worker.resources.limits.cpu.replace("m", ""))).toBeLessThanOrEqual(1805);
    expect(values.worker.image.repository).toBe(`${ECR}/dask-0a1b2c3`);
    expect(values.worker.image.tag).toMatch(new RegExp(`@${FAKE_DIGEST}$`));
    // Same-account ECR: the node role pulls, no pull Secret.
    expect(run.resources.filter((r) => r.type === "kubernetes:core/v1:Secret")).toEqual([]);

    expect(run.outputs.imageRef).toMatch(new RegExp(`^${ECR}/dask-0a1b2c3:[^@]+@${FAKE_DIGEST}$`));
    expect(run.outputs.schedulerAddress).toBe("tcp://dask-scheduler.dask.svc.cluster.local:8786");
  });
});
