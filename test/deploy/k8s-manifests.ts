import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { readYamlFiles } from "./read-yaml-files.js";

// The parts of the Kubernetes and cert-manager types the deploy tests read.
// Everything is optional: the tests, not the types, say what must be there.

/** Labels are a label map or a ConfigMap's data. */
export type Labels = Record<string, string>;

/** Manifest is any Kubernetes object as written in deploy/k8s. */
export interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Labels };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: unknown;
}

/** DeploymentSpec is the subset of a Deployment's spec the tests check. */
export interface DeploymentSpec {
  replicas?: number;
  selector?: { matchLabels?: Labels };
  strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number; maxSurge?: number } };
  template: { metadata: { labels: Labels }; spec: PodSpec };
}

/** ServiceSpec is the subset of a Service's spec the tests check. */
export interface ServiceSpec {
  selector?: Labels;
  ports: { name?: string; port: number; targetPort?: string | number }[];
}

/** SelectorSpec is a PodDisruptionBudget's or NetworkPolicy's spec. */
export interface SelectorSpec {
  selector?: { matchLabels?: Labels };
  podSelector?: { matchLabels?: Labels };
  minAvailable?: number;
  policyTypes?: string[];
  ingress?: {
    from?: { podSelector?: { matchLabels?: Labels }; namespaceSelector?: object }[];
    ports?: { port?: string | number }[];
  }[];
}

/** IngressSpec is the subset of an Ingress's spec the tests check. */
export interface IngressSpec {
  rules?: {
    http?: {
      paths?: { backend?: { service?: { name?: string; port?: { name?: string } } } }[];
    };
  }[];
}

/** CertificateSpec is the subset of a cert-manager Certificate's spec the tests check. */
export interface CertificateSpec {
  secretName: string;
  uris?: string[];
  usages?: string[];
  issuerRef?: { name: string; kind?: string };
}

/** Probe is an httpGet probe. */
export interface Probe {
  httpGet?: { path?: string; port?: string | number };
}

/** Container is the subset of a pod's container the tests check. */
export interface Container {
  name: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string } }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Labels; limits?: Labels };
  securityContext?: {
    runAsNonRoot?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}

/** PodSpec is the subset of a pod template's spec the tests check. */
export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } };
  containers: Container[];
  volumes?: { name: string; emptyDir?: object; secret?: { secretName: string } }[];
}

/** k8sDir is where the manifests live, relative to the repository root. */
export const k8sDir = "deploy/k8s";

/** loadK8sFolder parses every YAML file of deploy/k8s, keyed by file name. */
export function loadK8sFolder(): Map<string, Manifest[]> {
  const names = readdirSync(k8sDir).filter((name) => /\.ya?ml$/.test(name));
  const parsed = readYamlFiles(names.map((name) => join(k8sDir, name)));
  return new Map(names.map((name) => [name, parsed.get(join(k8sDir, name)) as Manifest[]]));
}

/** ofKind returns the manifests of one kind. */
export function ofKind(manifests: readonly Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

/** specOf returns a manifest's spec as the type its kind implies. */
export function specOf<T>(manifest: Manifest): T {
  return manifest.spec as T;
}

/** selects tells whether a label selector (`matchLabels` or a Service selector) matches `labels`. */
export function selects(selector: Labels | undefined, labels: Labels): boolean {
  const pairs = Object.entries(selector ?? {});
  return pairs.length > 0 && pairs.every(([key, value]) => labels[key] === value);
}

/**
 * containerPort resolves a probe, Service or NetworkPolicy port (a number or
 * a container port name) to the container's port number, or undefined.
 */
export function containerPort(container: Container, port: string | number | undefined) {
  const found = container.ports?.find((p) => p.name === port || p.containerPort === port);
  return found?.containerPort;
}

/**
 * configFor merges the data of every ConfigMap the container takes its
 * environment from, then its literal `env` values.
 */
export function configFor(container: Container, configMaps: readonly Manifest[]): Labels {
  const fromMaps = (container.envFrom ?? []).map((source) => {
    const map = configMaps.find((m) => m.metadata?.name === source.configMapRef?.name);
    return map?.data ?? {};
  });
  const literals = (container.env ?? []).flatMap((e) => (e.value ? [[e.name, e.value]] : []));
  return Object.assign({}, ...fromMaps, Object.fromEntries(literals));
}

/** mountOf returns the volume mounted at the directory holding `path`. */
export function mountOf(pod: PodSpec, container: Container, path: string | undefined) {
  const mount = container.volumeMounts?.find((m) => path?.startsWith(`${m.mountPath}/`));
  return pod.volumes?.find((v) => v.name === mount?.name);
}

/**
 * entryPoints lists the processes the repository can deploy: each
 * `services/<name>/main.ts`, and the gateway's `gateway/main.ts`.
 */
export function entryPoints(): string[] {
  const services = readdirSync("services", { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join("services", entry.name, "main.ts")))
    .map((entry) => `services/${entry.name}/main.ts`);
  return [...services, "gateway/main.ts"].sort();
}
