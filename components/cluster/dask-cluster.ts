import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { checkSection, checkValue, plainView } from "../common/fields";
import {
  checkedField,
  definedOnly,
  isPlain,
  reportingTo,
  withoutSecretField,
} from "../common/inputs";
import { chartFullname, dashboardUrl, schedulerAddress } from "./addresses";
import type { DaskClusterArgs, WorkerGroup } from "./args";
import {
  CHART_NAME,
  DEFAULT_CHART_REPOSITORY,
  DEFAULT_CHART_VERSION,
  DEFAULT_NAMESPACE,
  DEFAULT_TIMEOUT_SECONDS,
} from "./constants";
import { CLUSTER_FIELDS, PULL_CREDENTIALS_FIELDS } from "./fields";
import { dockerConfigJson, pullSecretName } from "./pull-secret";
import { resolveClusterConfig } from "./resolve";
import { chartValuesFor } from "./values";
import { workerGroupDeploymentName } from "./worker-groups";

/** A field's own check, for a value known after construction. */
function check(key: keyof typeof CLUSTER_FIELDS & string) {
  const spec = CLUSTER_FIELDS[key];
  // Nested sections (workers, scheduler, ...) through their own tables.
  return (value: unknown) => checkValue(spec, value, key, "args");
}

/** Chart values as YAML: no anchors, so people can read and diff them. */
export function valuesYaml(values: Record<string, unknown>): string {
  return stringify(values, { aliasDuplicateObjects: false });
}

/**
 * Scheduler and workers from the official dask helm chart, running a (slim) image pinned by
 * digest, non-root, with tini as PID 1 from the image's entrypoint.
 *
 * Every arg is validated in the constructor when plain (in preview too, whatever else is
 * still unknown) and when known otherwise. The release's name, namespace, chart, version,
 * repository and timeout, and the Namespace and Secret names, come from their own args only:
 * an unknown image or a secret password never makes them unknown or secret. Only the chart
 * values wait for the image.
 */
export class DaskCluster extends pulumi.ComponentResource {
  /** Helm release name. */
  public readonly releaseName: pulumi.Output<string>;
  /** Namespace of the release. */
  public readonly namespace: pulumi.Output<string>;
  /** In-cluster scheduler address, `tcp://<fullname>-scheduler.<ns>.svc.cluster.local:8786`. */
  public readonly schedulerAddress: pulumi.Output<string>;
  /** In-cluster dashboard URL. */
  public readonly dashboardUrl: pulumi.Output<string>;
  /** The computed chart values, as YAML (no secrets: pull secrets are referenced by name). */
  public readonly values: pulumi.Output<string>;
  /** Helm release status (`deployed`, `failed`, ...). */
  public readonly status: pulumi.Output<string>;
  /**
   * The Deployment of each worker group, by group name (`<fullname>-worker-<name>`): for
   * `kubectl scale`, `kubectl rollout status`, or watching the group.
   */
  public readonly workerGroupDeployments: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: DaskClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything plain is checked before anything is registered: bad input never leaves a
    // half-built component, in preview as in update.
    const withName = { releaseName: name, ...definedOnly(args) };
    resolveClusterConfig(plainView(withName), "args");
    super("slim-dask:index:DaskCluster", name, {}, opts);

    const field = <T>(key: keyof DaskClusterArgs & string, fallback: unknown) =>
      checkedField(withName[key as keyof typeof withName] ?? fallback, check(key), this) as
        T | pulumi.Output<T>;
    /** An optional field with no default: left out when absent. */
    const optional = <T>(key: keyof DaskClusterArgs & string) =>
      args[key] === undefined ? undefined : field<T>(key, undefined);
    const releaseName = field<string>("releaseName", name);
    const namespace = field<string>("namespace", DEFAULT_NAMESPACE);

    const dependsOn: pulumi.Resource[] = [];
    if (args.createNamespace) {
      // A Namespace resource (rather than helm's createNamespace) so the pull Secret can live in it.
      dependsOn.push(
        new k8s.core.v1.Namespace(
          `${name}-namespace`,
          { metadata: { name: namespace } },
          { parent: this },
        ),
      );
    }

    if (args.imagePullCredentials !== undefined) {
      const creds = pulumi.output(args.imagePullCredentials);
      const dockerconfig = pulumi.secret(
        creds.apply((c) =>
          reportingTo(this, () => {
            const checked = checkSection(
              PULL_CREDENTIALS_FIELDS,
              c,
              "imagePullCredentials",
              "args",
            );
            return dockerConfigJson(
              checked.server as string,
              checked.username as string,
              checked.password as string,
            );
          }),
        ),
      );
      const secretName =
        typeof releaseName === "string"
          ? pullSecretName(releaseName)
          : releaseName.apply(pullSecretName);
      dependsOn.push(
        new k8s.core.v1.Secret(
          `${name}-image-pull`,
          {
            metadata: { name: secretName, namespace },
            type: "kubernetes.io/dockerconfigjson",
            stringData: { ".dockerconfigjson": dockerconfig },
          },
          { parent: this, dependsOn: [...dependsOn] },
        ),
      );
    }

    // The values need every non-secret arg (and wait for the image); passwords stay out. Each
    // arg that is an Output is checked on its own as soon as it is known: in a preview the
    // image is usually unknown, which would otherwise hide a bad value until `up`.
    const checkedOnItsOwn = Object.fromEntries(
      Object.entries(withName).map(([key, value]) => [
        key,
        key in CLUSTER_FIELDS &&
        key !== "imagePullCredentials" &&
        key !== "chartRepositoryPassword" &&
        !isPlain(value)
          ? checkedField(
              value,
              (v) => {
                check(key as keyof typeof CLUSTER_FIELDS & string)(v);
                return v;
              },
              this,
            )
          : value,
      ]),
    );
    const config = {
      ...checkedOnItsOwn,
      imagePullCredentials: withoutSecretField(args.imagePullCredentials, "password"),
      chartRepositoryPassword: undefined,
    };
    const values = pulumi
      .output(definedOnly(config))
      .apply((c) => reportingTo(this, () => chartValuesFor(resolveClusterConfig(c, "plain"))));

    const password = args.chartRepositoryPassword;
    const release = new k8s.helm.v3.Release(
      name,
      {
        name: releaseName,
        chart: CHART_NAME,
        version: field<string>("chartVersion", DEFAULT_CHART_VERSION),
        repositoryOpts: definedOnly({
          repo: field<string>("chartRepository", DEFAULT_CHART_REPOSITORY),
          caFile: optional<string>("chartRepositoryCaFile"),
          username: optional<string>("chartRepositoryUsername"),
          password:
            password === undefined
              ? undefined
              : pulumi.secret(checkedField(password, check("chartRepositoryPassword"), this)),
        }),
        namespace,
        values,
        atomic: true,
        timeout: field<number>("timeoutSeconds", DEFAULT_TIMEOUT_SECONDS),
      },
      { parent: this, dependsOn },
    );

    // The address depends on the release name, namespace and name overrides in raw values only.
    const overrides = field<Record<string, unknown>>("values", {});
    const addresses = pulumi.all([releaseName, namespace, overrides]).apply(([r, ns, v]) => ({
      scheduler: schedulerAddress(r, ns, v),
      dashboard: dashboardUrl(r, ns, v),
      fullname: chartFullname(r, v),
    }));

    this.releaseName = pulumi.output(releaseName);
    this.namespace = pulumi.output(namespace);
    this.schedulerAddress = addresses.scheduler;
    this.dashboardUrl = addresses.dashboard;
    this.values = values.apply(valuesYaml);
    this.status = release.status.status;
    // Names only, item by item: a group's unknown image (preview) leaves its name known.
    const groups = args.workerGroups ?? [];
    const groupNames = Array.isArray(groups)
      ? pulumi.all(
          groups.map((g: pulumi.Input<WorkerGroup>) =>
            pulumi.Output.isInstance(g) || g instanceof Promise
              ? pulumi.output(g).apply((known) => known.name)
              : g.name,
          ),
        )
      : pulumi.output(groups).apply((known) => known.map((g) => g.name));
    this.workerGroupDeployments = pulumi
      .all([addresses.fullname, groupNames])
      .apply(([fullname, names]) =>
        Object.fromEntries(names.map((n) => [n, workerGroupDeploymentName(fullname, n)])),
      );
    this.registerOutputs({
      releaseName: this.releaseName,
      namespace: this.namespace,
      schedulerAddress: this.schedulerAddress,
      dashboardUrl: this.dashboardUrl,
      values: this.values,
      status: this.status,
      workerGroupDeployments: this.workerGroupDeployments,
    });
  }
}
