import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type CertificateSpec,
  configFor,
  containerPort,
  type DeploymentSpec,
  entryPoints,
  type IngressSpec,
  loadK8sFolder,
  type Manifest,
  mountOf,
  ofKind,
  type SelectorSpec,
  type ServiceSpec,
  selects,
  specOf,
} from "./k8s-manifests.js";

// Static checks of deploy/k8s: there is no cluster here to apply it to, so
// these pin down what must agree between the manifests and the runtime.

const namespace = "protoplane";
const folder = loadK8sFolder();
const kustomization = folder.get("kustomization.yaml")?.[0] as {
  namespace?: string;
  resources?: string[];
  secretGenerator?: unknown;
};
const manifests = [...folder].flatMap(([file, docs]) =>
  file === "kustomization.yaml" ? [] : docs,
);
const secretLike = /PASSW(OR)?D|SECRET|TOKEN|CREDENTIAL|PRIVATE|API_?KEY|DATABASE_URL$/i;

describe("deploy/k8s", () => {
  it("lists every manifest of the folder in kustomization.yaml, and only those", () => {
    const files = [...folder.keys()].filter((file) => file !== "kustomization.yaml");
    expect([...(kustomization.resources ?? [])].sort()).toEqual(files.sort());
    expect(kustomization.namespace).toBe(namespace);
  });

  it("gives every object an apiVersion, a kind, a name and the protoplane namespace", () => {
    for (const m of manifests) {
      expect(m.apiVersion, JSON.stringify(m.metadata)).toMatch(/\S/);
      expect(m.kind, JSON.stringify(m.metadata)).toMatch(/\S/);
      expect(m.metadata?.name, m.kind).toMatch(/\S/);
      // The Namespace itself is cluster-scoped: its name is the namespace.
      const where = m.kind === "Namespace" ? m.metadata?.name : m.metadata?.namespace;
      expect(where, `${m.kind}/${m.metadata?.name}`).toBe(namespace);
    }
  });

  it("labels every object with its app.kubernetes.io name, part-of and component", () => {
    for (const m of manifests) {
      const labels = m.metadata?.labels ?? {};
      expect(labels["app.kubernetes.io/name"], `${m.kind}/${m.metadata?.name}`).toMatch(/\S/);
      expect(labels["app.kubernetes.io/part-of"]).toBe("protoplane");
      expect(labels["app.kubernetes.io/component"]).toMatch(/\S/);
    }
  });

  it("commits no Secret data: operators create secrets in the cluster", () => {
    for (const secret of ofKind(manifests, "Secret")) {
      expect(Object.keys({ ...secret.data, ...secret.stringData })).toEqual([]);
    }
    expect(kustomization.secretGenerator).toBeUndefined();
  });

  it("keeps secret values out of ConfigMaps", () => {
    for (const map of ofKind(manifests, "ConfigMap")) {
      for (const [key, value] of Object.entries(map.data ?? {})) {
        expect(key, `${map.metadata?.name}: ${key}`).not.toMatch(secretLike);
        if (key.endsWith("_URL")) expect(value, key).not.toMatch(/\/\/[^/]*@/);
      }
    }
  });

  it("denies all ingress in the namespace unless a policy allows it", () => {
    const denyAll = ofKind(manifests, "NetworkPolicy")
      .map((p) => specOf<SelectorSpec>(p))
      .find((p) => Object.keys(p.podSelector ?? {}).length === 0 && p.ingress === undefined);
    expect(denyAll?.policyTypes).toContain("Ingress");
  });

  it("deploys every service and the gateway, one Deployment each", () => {
    const deployed = ofKind(manifests, "Deployment").map(
      (d) => specOf<DeploymentSpec>(d).template.spec.containers[0]?.args?.[0],
    );
    expect(deployed.sort()).toEqual(entryPoints());
  });
});

describe.each(
  ofKind(manifests, "Deployment").map((d) => [d.metadata?.name ?? "", d] as const),
)("deployment %s", (name, deployment) => {
  const spec = specOf<DeploymentSpec>(deployment);
  const pod = spec.template.spec;
  const labels = spec.template.metadata.labels;
  const container = pod.containers.find((c) => c.name === name) ?? pod.containers[0]!;
  const config = configFor(container, ofKind(manifests, "ConfigMap"));
  // A service serves mTLS RPC on RPC_PORT; the gateway serves the public
  // REST/JSON on PORT and no RPC.
  const isGateway = labels["app.kubernetes.io/component"] === "gateway";
  const servingPortName = isGateway ? "http" : "rpc";
  const servingPort = Number(isGateway ? config.PORT : config.RPC_PORT);
  const adminPort = Number(config.ADMIN_PORT);
  const env = (key: string) => container.env?.find((e) => e.name === key)?.value;
  const selecting = (kind: string) =>
    ofKind(manifests, kind).filter((m) => selects(selectorOf(m), labels));

  it("runs an entry point that exists", () => {
    const entry = container.args?.[0] ?? "(no args)";
    expect(existsSync(entry), entry).toBe(true);
  });

  it("probes /health/startup, /health/ready and /health/live on the admin port", () => {
    const probes = [container.startupProbe, container.readinessProbe, container.livenessProbe];
    const paths = probes.map((p) => p?.httpGet?.path);
    expect(paths).toEqual(["/health/startup", "/health/ready", "/health/live"]);
    for (const probe of probes)
      expect(containerPort(container, probe?.httpGet?.port)).toBe(adminPort);
  });

  it("declares the ports its config listens on, and its Service targets them", () => {
    expect(config.HOST).toBe("0.0.0.0");
    expect(servingPort).toBeGreaterThan(0);
    expect(containerPort(container, servingPortName)).toBe(servingPort);
    expect(containerPort(container, "admin")).toBe(adminPort);
    const services = selecting("Service").map((s) => specOf<ServiceSpec>(s));
    expect(services.length).toBe(1);
    const targets = services[0]!.ports.map((p) => containerPort(container, p.targetPort ?? p.port));
    expect(targets.sort(byNumber)).toEqual([servingPort, adminPort].sort(byNumber));
  });

  it("is given longer than the shutdown delay plus the drain deadline before SIGKILL", () => {
    const drainMs = Number(config.SHUTDOWN_DELAY_MS) + Number(config.SHUTDOWN_TIMEOUT_MS);
    expect(Number(config.SHUTDOWN_DELAY_MS)).toBeGreaterThan(0); // let endpoints update
    expect(Number.isFinite(drainMs)).toBe(true);
    expect((pod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(drainMs);
  });

  it("runs non-root, read-only, without capabilities, under RuntimeDefault seccomp", () => {
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.seccompProfile?.type).toBe("RuntimeDefault");
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container.securityContext?.capabilities?.add).toBeUndefined();
  });

  it("writes only to emptyDirs at /tmp and DATA_DIR", () => {
    for (const path of ["/tmp", config.DATA_DIR]) {
      expect(mountOf(pod, container, `${path}/file`)?.emptyDir, path).toBeDefined();
    }
  });

  it("requests and limits cpu and memory", () => {
    for (const kind of ["requests", "limits"] as const) {
      expect(Object.keys(container.resources?.[kind] ?? {}).sort()).toEqual(["cpu", "memory"]);
    }
  });

  it("reads DATABASE_URL from a mounted Secret, never from the environment", () => {
    expect(config.DATABASE_URL).toBeUndefined();
    expect(mountOf(pod, container, env("DATABASE_URL_FILE"))?.secret).toBeDefined();
    expect(Object.keys(config).filter((key) => secretLike.test(key))).toEqual([]);
  });

  it("mounts only its own Secrets; identity alone holds the token signing keys", () => {
    const secrets = (pod.volumes ?? []).flatMap((v) => (v.secret ? [v.secret.secretName] : []));
    for (const secret of secrets) expect(secret.startsWith(`${name}-`), secret).toBe(true);
    const dir = env("AUTH_SIGNING_KEYS_DIR");
    const keys = mountOf(pod, container, `${dir}/key.pem`)?.secret?.secretName;
    expect(keys).toBe(name === "identity" ? "identity-jwt-keys" : undefined);
    expect(secrets.includes("identity-jwt-keys")).toBe(name === "identity");
  });

  it("mounts its TLS files from the cert-manager Certificate of its SPIFFE ID", () => {
    const files = ["TLS_CERT_PATH", "TLS_KEY_PATH", "TLS_CA_PATH"].map(env);
    expect(files.map((f) => f?.split("/").pop())).toEqual(["tls.crt", "tls.key", "ca.crt"]);
    const secretNames = new Set(files.map((f) => mountOf(pod, container, f)?.secret?.secretName));
    expect(secretNames.size).toBe(1);
    const certificate = ofKind(manifests, "Certificate")
      .map((c) => specOf<CertificateSpec>(c))
      .find((c) => secretNames.has(c.secretName));
    expect(certificate?.uris).toEqual([`spiffe://${config.TRUST_DOMAIN}/svc/${name}`]);
    // The gateway only calls over mTLS; a service also serves it.
    const usages = isGateway ? ["client auth"] : ["server auth", "client auth"];
    expect(certificate?.usages?.filter((u) => u.endsWith(" auth")).sort()).toEqual(usages.sort());
    const issuers = [...ofKind(manifests, "Issuer"), ...ofKind(manifests, "ClusterIssuer")];
    expect(issuers.map((i) => i.metadata?.name)).toContain(certificate?.issuerRef?.name);
  });

  it("runs as its own ServiceAccount, which mounts no token", () => {
    const account = ofKind(manifests, "ServiceAccount").find(
      (a) => a.metadata?.name === pod.serviceAccountName,
    );
    expect(pod.serviceAccountName).toBe(name);
    expect(
      (account as { automountServiceAccountToken?: boolean })?.automountServiceAccountToken,
    ).toBe(false);
  });

  it("keeps serving through rollouts and node drains", () => {
    expect(spec.replicas).toBeGreaterThanOrEqual(2);
    expect(spec.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
    expect(spec.strategy?.rollingUpdate?.maxSurge).toBeGreaterThanOrEqual(1);
    expect(selects(spec.selector?.matchLabels, labels)).toBe(true);
    const budgets = selecting("PodDisruptionBudget").map((b) => specOf<SelectorSpec>(b));
    expect(budgets.length).toBe(1);
    expect(budgets[0]!.minAvailable).toBeGreaterThanOrEqual(1);
    expect(budgets[0]!.minAvailable).toBeLessThan(spec.replicas ?? 1);
  });

  it("admits RPC from protoplane pods only, the gateway's public port from the ingress controller only, and the admin port from the cluster", () => {
    const rules = selecting("NetworkPolicy").flatMap((p) => specOf<SelectorSpec>(p).ingress ?? []);
    const rulesFor = (port: number) =>
      rules.filter(
        (r) => !r.ports || r.ports.some((p) => containerPort(container, p.port) === port),
      );
    expect(rulesFor(servingPort).length).toBeGreaterThan(0);
    for (const rule of rulesFor(servingPort)) {
      if (isGateway) {
        // Only the trusted proxy (the ingress controller's namespace) may
        // reach the port whose X-Forwarded-For the gateway believes.
        expect(rule.from?.length).toBeGreaterThan(0);
        for (const from of rule.from ?? []) {
          expect(from.podSelector).toBeUndefined();
          expect(Object.keys(from.namespaceSelector ?? {})).toEqual(["matchLabels"]);
        }
        continue;
      }
      for (const from of rule.from ?? [{}]) {
        expect(from.namespaceSelector).toBeUndefined();
        expect(from.podSelector?.matchLabels).toEqual({
          "app.kubernetes.io/part-of": "protoplane",
        });
      }
    }
    expect(rulesFor(adminPort).length).toBeGreaterThan(0);
  });

  it("exposes no ports beyond the one it serves and admin", () => {
    const ports = (container.ports ?? []).map((p) => p.containerPort);
    expect(ports.sort(byNumber)).toEqual([servingPort, adminPort].sort(byNumber));
  });

  it.runIf(isGateway)("is reached through an Ingress, behind the one proxy hop it trusts", () => {
    const ingresses = ofKind(manifests, "Ingress").map(
      (i) => specOf<IngressSpec>(i).rules?.flatMap((r) => r.http?.paths ?? []) ?? [],
    );
    const backends = ingresses.flat().map((path) => path.backend?.service);
    const service = selecting("Service")[0];
    expect(backends).toContainEqual({
      name: service?.metadata?.name,
      port: { name: servingPortName },
    });
    expect(config.TRUSTED_PROXY_HOPS).toBe("1");
  });
});

function byNumber(a: number | undefined, b: number | undefined): number {
  return (a ?? 0) - (b ?? 0);
}

// The labels an object selects pods by: a Service's selector, a
// NetworkPolicy's podSelector, a PodDisruptionBudget's selector.
function selectorOf(m: Manifest): Record<string, string> | undefined {
  if (m.kind === "Service") return specOf<ServiceSpec>(m).selector;
  const spec = specOf<SelectorSpec>(m);
  return (m.kind === "NetworkPolicy" ? spec.podSelector : spec.selector)?.matchLabels;
}
