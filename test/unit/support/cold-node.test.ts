import { createHash } from "node:crypto";
import {
  coldWorkerPod,
  schedulerPatch,
  goDurationSeconds,
  EMPTY_LAYER,
  parsePulledMessage,
  shareLayers,
} from "../../k8s/support/cold-node";

const sha = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

describe("shareLayers", () => {
  it("is true for a common layer with content, not for the empty layer alone", () => {
    const [a, b, c] = [sha("a"), sha("b"), sha("c")];
    expect(shareLayers([a, b], [c, b])).toBe(true);
    expect(shareLayers([a, EMPTY_LAYER], [c, EMPTY_LAYER])).toBe(false);
    expect(shareLayers([a], [c])).toBe(false);
  });

  it("knows the empty layer by its diff ID (the digest of an empty tar)", () => {
    expect(EMPTY_LAYER).toBe(sha("\0".repeat(1024)));
  });
});

describe("parsePulledMessage", () => {
  it("reads the kubelet's pull time and image size", () => {
    expect(
      parsePulledMessage(
        'Successfully pulled image "10.244.0.1:5056/slim-dask/cold-naive@sha256:ab" in 12.345s (12.345s including waiting). Image size: 1234567890 bytes.',
      ),
    ).toEqual({ seconds: 12.345, bytes: 1234567890 });
  });

  it("refuses any other message, e.g. an image already present", () => {
    expect(() => parsePulledMessage('Container image "x" already present on machine')).toThrow(
      /not a kubelet pull message/,
    );
  });
});

describe("goDurationSeconds", () => {
  it.each([
    ["3.2s", 3.2],
    ["850ms", 0.85],
    ["1m2.5s", 62.5],
    ["1h0m1s", 3601],
  ])("%s is %d s", (text, seconds) => {
    expect(goDurationSeconds(text)).toBeCloseTo(seconds, 9);
  });

  it("refuses text that is not a whole duration", () => {
    expect(() => goDurationSeconds("3.2 s")).toThrow(/not a Go duration/);
    expect(() => goDurationSeconds("fast")).toThrow(/not a Go duration/);
  });
});

describe("coldWorkerPod", () => {
  const template = {
    metadata: { labels: { app: "dask", component: "worker", release: "cold" } },
    spec: {
      imagePullSecrets: [{ name: "cold-dask-pull" }],
      securityContext: { runAsUser: 1000 },
      containers: [
        {
          name: "cold-dask-worker",
          image: "registry/slim-dask/sched@sha256:1",
          args: ["dask-worker", "cold-dask-scheduler:8786", "--nthreads", "1"],
        },
      ],
    },
  };
  const options = { name: "cold-naive-0", namespace: "ns", image: "registry/naive@sha256:2" };

  it("runs the chart's worker container on the measured image, outside the Deployment", () => {
    const pod = coldWorkerPod(template, options) as {
      metadata: { labels: Record<string, string> };
      spec: typeof template.spec & {
        restartPolicy: string;
        containers: { imagePullPolicy: string }[];
      };
    };
    expect(pod.metadata.labels).toEqual({ app: "slim-dask-cold-node" });
    expect(pod.spec.imagePullSecrets).toEqual(template.spec.imagePullSecrets);
    expect(pod.spec.securityContext).toEqual({ runAsUser: 1000 });
    expect(pod.spec.restartPolicy).toBe("Never");
    expect(pod.spec.containers).toEqual([
      {
        ...template.spec.containers[0],
        image: options.image,
        imagePullPolicy: "IfNotPresent",
      },
    ]);
  });

  it("replaces the chart's dask-worker with the given entry point", () => {
    const pod = coldWorkerPod(template, { ...options, entrypoint: ["dask", "worker"] }) as {
      spec: { containers: { args: string[] }[] };
    };
    expect(pod.spec.containers[0].args).toEqual([
      "dask",
      "worker",
      "cold-dask-scheduler:8786",
      "--nthreads",
      "1",
    ]);
  });

  it("refuses a template with other than one container", () => {
    expect(() => coldWorkerPod({ spec: { ...template.spec, containers: [] } }, options)).toThrow(
      /exactly one container/,
    );
  });
});

describe("schedulerPatch", () => {
  const scheduler = {
    name: "cold-dask-scheduler",
    image: "registry/slim-dask/cold-minimal@sha256:1",
    args: ["dask-scheduler", "--port=8786", "--dashboard-address=:8787"],
    ports: [{ containerPort: 8786 }],
  };

  it("moves the scheduler's one container to the image, running `dask scheduler` where asked", () => {
    expect(schedulerPatch([scheduler], "registry/naive@sha256:2", ["dask", "scheduler"])).toEqual([
      {
        op: "replace",
        path: "/spec/template/spec/containers/0",
        value: {
          ...scheduler,
          image: "registry/naive@sha256:2",
          imagePullPolicy: "IfNotPresent",
          args: ["dask", "scheduler", "--port=8786", "--dashboard-address=:8787"],
        },
      },
    ]);
  });

  it("keeps the chart's args for an image with slim-dask's entry points", () => {
    const [op] = schedulerPatch([scheduler], "registry/slim@sha256:3") as {
      value: { args: string[] };
    }[];
    expect(op.value.args).toEqual(scheduler.args);
  });

  it("refuses a template with other than one container", () => {
    expect(() => schedulerPatch([scheduler, scheduler], "x@sha256:4")).toThrow(
      /scheduler template should have exactly one container/,
    );
  });
});
