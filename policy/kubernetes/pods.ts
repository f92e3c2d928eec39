import { API_ACCESS_LABEL, TYPES } from "../../lib/contract";
import { NoConfig, schemaOf } from "../lib/config";
import { Policy, ResourceCheckArgs, ResourcePolicySpec, resourcePolicy } from "../lib/builders";
import { get, Reads, SKIP } from "../lib/read";
import { Reporter } from "../lib/reporter";
import { absent, asArray, quote } from "../lib/values";
import {
    Container,
    ContainerList,
    effectiveSecurityContext,
    parseImage,
    podOf,
    PodShape,
    podsOf,
    registryApproved,
    WORKLOAD_SHAPES,
    workloadLabel,
    WORKLOADS,
} from "../lib/k8s";

/** Catalogue K8S-01 … K8S-13: pod security and workload hygiene, for every workload kind (and what charts render). */

interface ContainerRowSpec<C> extends Omit<ResourcePolicySpec<C>, "types" | "validate"> {
    /** Container lists the row applies to (default: containers, initContainers, ephemeralContainers). */
    lists?: ContainerList[];
    pod?: (pod: PodShape, u: Reads, report: Reporter, a: ResourceCheckArgs<C>) => void;
    container?: (pod: PodShape, c: Container, u: Reads, report: Reporter, a: ResourceCheckArgs<C>) => void;
}

/**
 * A WORKLOADS row: checks each pod once and each container, reporting known violations before stopping on
 * unknowns. Every workload kind in every shape: the object, its `…List` entries and its `…Patch`; a patch is
 * judged only on the values it sets (`pod.patch`), since what it leaves out keeps the live value.
 */
function workloadPolicy<C = NoConfig>(spec: ContainerRowSpec<C>): Policy {
    const { lists, pod: checkPod, container: checkContainer, ...base } = spec;
    return resourcePolicy<C>({
        ...base,
        types: [...WORKLOAD_SHAPES],
        validate: (a, report) => {
            const u = a.reads;
            for (const pod of podsOf(a.type, a.props, u, lists)) {
                checkPod?.(pod, u, report, a);
                for (const c of pod.containers) checkContainer?.(pod, c, u, report, a);
            }
        },
    });
}

/** Reads `securityContext.<field>` of a container; undefined when unknown (recorded). */
function ownSecurityContext(c: Container, field: string, u: Reads): unknown {
    const v = u.read(c.spec, `securityContext.${field}`, c.path);
    return v === SKIP ? undefined : v;
}

// ---------------------------------------------------------------------------------------------
// K8S-01 … K8S-13: pod security and workload hygiene.
// ---------------------------------------------------------------------------------------------

const noPrivileged = workloadPolicy({
    name: "k8s-no-privileged-containers",
    description: "K8S-01: containers never run privileged (PSS-baseline Privileged Containers; CIS-K8s 5.2.2; NSA).",
    controls: ["K8S-01"],
    enforcementLevel: "mandatory",
    container: (_pod, c, u, report) => {
        if (ownSecurityContext(c, "privileged", u) === true)
            report(`${c.label} runs privileged: remove securityContext.privileged or set it to false.`);
    },
});

const noPrivilegeEscalation = workloadPolicy({
    name: "k8s-no-privilege-escalation",
    description:
        "K8S-02: every container sets allowPrivilegeEscalation: false explicitly (PSS-restricted Privilege Escalation; CIS-K8s 5.2.6).",
    controls: ["K8S-02"],
    enforcementLevel: "mandatory",
    container: (pod, c, u, report) => {
        const v = get(c.spec, "securityContext.allowPrivilegeEscalation");
        if (u.is(v, `${c.path}.securityContext.allowPrivilegeEscalation`)) return;
        if (pod.patch ? v === true : v !== false)
            report(`${c.label}: set securityContext.allowPrivilegeEscalation to false.`);
    },
});

const runAsNonRoot = workloadPolicy({
    name: "k8s-run-as-non-root",
    description:
        "K8S-03: containers run as a non-root user (PSS-restricted Running as Non-root / Non-root user; CIS-K8s 5.2.7; NSA).",
    controls: ["K8S-03"],
    enforcementLevel: "mandatory",
    pod: (pod, u, report) => {
        const uid = get(pod.spec, "securityContext.runAsUser");
        if (!u.is(uid, `${pod.path}.securityContext.runAsUser`) && uid === 0) {
            report("the pod securityContext.runAsUser is 0: set it to a non-zero UID.");
        }
    },
    container: (pod, c, u, report) => {
        if (ownSecurityContext(c, "runAsUser", u) === 0)
            report(`${c.label} runs as UID 0: set securityContext.runAsUser to a non-zero UID.`);
        const nonRoot = effectiveSecurityContext(pod, c, "runAsNonRoot");
        if (u.is(nonRoot, `${c.path}.securityContext.runAsNonRoot`)) return;
        if (pod.patch ? nonRoot === false : nonRoot !== true)
            report(`${c.label}: set securityContext.runAsNonRoot to true on the container or the pod.`);
    },
});

const readOnlyRootFs = workloadPolicy({
    name: "k8s-read-only-root-filesystem",
    description:
        "K8S-04: container root filesystems are read-only; writable paths are emptyDir volumes (NSA immutable container file systems; CIS-K8s 5.7.3). Exemptable.",
    controls: ["K8S-04"],
    enforcementLevel: "mandatory",
    exemptable: true,
    container: (pod, c, u, report) => {
        const v = get(c.spec, "securityContext.readOnlyRootFilesystem");
        if (u.is(v, `${c.path}.securityContext.readOnlyRootFilesystem`)) return;
        if (pod.patch ? v === false : v !== true)
            report(
                `${c.label}: set securityContext.readOnlyRootFilesystem to true and mount writable paths as emptyDir volumes.`,
            );
    },
});

const ALLOWED_ADDED_CAPABILITIES = ["NET_BIND_SERVICE"];

const dropAllCapabilities = workloadPolicy({
    name: "k8s-drop-all-capabilities",
    description:
        "K8S-05: containers drop ALL capabilities and add back at most NET_BIND_SERVICE (PSS-restricted Capabilities; CIS-K8s 5.2.8, 5.2.9, 5.2.10).",
    controls: ["K8S-05"],
    enforcementLevel: "mandatory",
    container: (pod, c, u, report) => {
        const where = `${c.path}.securityContext.capabilities`;
        const drop = get(c.spec, "securityContext.capabilities.drop");
        if (
            !u.is(drop, `${where}.drop`) &&
            !(pod.patch && drop === undefined) &&
            !asArray(drop).includes("ALL") &&
            !asArray(drop).some((d) => u.is(d, `${where}.drop`))
        ) {
            report(`${c.label}: set securityContext.capabilities.drop to ["ALL"].`);
        }
        const add = get(c.spec, "securityContext.capabilities.add");
        const extra = u.is(add, `${where}.add`)
            ? []
            : asArray(add).filter(
                  (cap) =>
                      !u.is(cap, `${where}.add`) &&
                      !ALLOWED_ADDED_CAPABILITIES.includes(String(cap).replace(/^CAP_/, "")),
              );
        if (extra.length > 0)
            report(`${c.label} adds capabilities ${extra.map(String).join(", ")}: add back only NET_BIND_SERVICE.`);
    },
});

const ALLOWED_SECCOMP = ["RuntimeDefault", "Localhost"];

const seccomp = workloadPolicy({
    name: "k8s-seccomp-runtime-default",
    description:
        "K8S-06: pods and containers use the RuntimeDefault (or a Localhost) seccomp profile, never Unconfined (PSS-restricted Seccomp; CIS-K8s 5.7.2).",
    controls: ["K8S-06"],
    enforcementLevel: "mandatory",
    pod: (pod, u, report) => {
        const t = get(pod.spec, "securityContext.seccompProfile.type");
        if (!u.is(t, `${pod.path}.securityContext.seccompProfile.type`) && t === "Unconfined") {
            report("the pod securityContext.seccompProfile.type is Unconfined: set it to RuntimeDefault.");
        }
    },
    container: (pod, c, u, report) => {
        const t = effectiveSecurityContext(pod, c, "seccompProfile.type");
        if (u.is(t, `${c.path}.securityContext.seccompProfile.type`)) return;
        if (pod.patch && (t === undefined || t === null)) return;
        if (typeof t !== "string" || !ALLOWED_SECCOMP.includes(t)) {
            report(
                `${c.label} has seccomp profile ${t === undefined ? "unset" : quote(t)}: set securityContext.seccompProfile.type to RuntimeDefault on the pod or the container.`,
            );
        }
    },
});

const noHostNamespaces = workloadPolicy({
    name: "k8s-no-host-namespaces",
    description:
        "K8S-07: pods do not share the node's network, PID or IPC namespace (PSS-baseline Host Namespaces; CIS-K8s 5.2.3, 5.2.4, 5.2.5; NSA).",
    controls: ["K8S-07"],
    enforcementLevel: "mandatory",
    lists: [],
    pod: (pod, u, report) => {
        for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
            const v = pod.spec[field];
            if (!u.is(v, `${pod.path}.${field}`) && v === true)
                report(`the pod sets ${field}: remove it (or set it to false).`);
        }
    },
});

const ALLOWED_VOLUME_SOURCES = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

const restrictedVolumes = workloadPolicy({
    name: "k8s-restricted-volume-types",
    description:
        "K8S-08: pods mount only the PSS-restricted volume types, never hostPath (PSS-restricted Volume Types; PSS-baseline HostPath Volumes; CIS-K8s 5.2.12).",
    controls: ["K8S-08"],
    enforcementLevel: "mandatory",
    lists: [],
    pod: (pod, u, report) => {
        const volumes = pod.spec.volumes;
        if (u.is(volumes, `${pod.path}.volumes`)) return;
        asArray(volumes).forEach((v: any, i: number) => {
            if (u.is(v, `${pod.path}.volumes[${i}]`)) return;
            if (!v || typeof v !== "object") throw new Error(`${pod.path}.volumes[${i}] is not an object`);
            const name = typeof v.name === "string" ? v.name : `#${i}`;
            const sources = Object.keys(v).filter((k) => k !== "name" && v[k] !== undefined && v[k] !== null);
            const bad = sources.filter((s) => !ALLOWED_VOLUME_SOURCES.includes(s));
            if (bad.includes("hostPath"))
                report(
                    `volume "${name}" mounts a hostPath: use an emptyDir, configMap, secret or persistentVolumeClaim instead.`,
                );
            else if (bad.length > 0)
                report(
                    `volume "${name}" uses ${bad.join(", ")}: use only ${ALLOWED_VOLUME_SOURCES.join(", ")} volumes.`,
                );
        });
    },
});

const noHostPorts = workloadPolicy({
    name: "k8s-no-host-ports",
    description: "K8S-09: containers do not bind host ports (PSS-baseline Host Ports; CIS-K8s 5.2.13).",
    controls: ["K8S-09"],
    enforcementLevel: "mandatory",
    container: (_pod, c, u, report) => {
        const ports = c.spec.ports;
        if (u.is(ports, `${c.path}.ports`)) return;
        asArray(ports).forEach((p: any, i: number) => {
            const hp = p?.hostPort;
            if (u.is(hp, `${c.path}.ports[${i}].hostPort`)) return;
            if (hp !== undefined && hp !== null && Number(hp) !== 0)
                report(`${c.label} binds hostPort ${hp}: remove hostPort and expose the port through a Service.`);
        });
    },
});

const resourcesSet = workloadPolicy({
    name: "k8s-resources-requests-and-limits",
    description:
        "K8S-10: containers declare CPU/memory requests and a memory limit (NSA resource policies; CIS-K8s 5.7 general). A missing CPU limit is advisory.",
    controls: ["K8S-10"],
    enforcementLevel: "mandatory",
    lists: ["containers", "initContainers"],
    container: (pod, c, u, report) => {
        // A patch that leaves resources out keeps the live requests and limits.
        if (pod.patch) return;
        const missing: string[] = [];
        for (const key of ["requests.cpu", "requests.memory", "limits.memory"]) {
            const v = get(c.spec, `resources.${key}`);
            if (u.is(v, `${c.path}.resources.${key}`)) continue;
            if (absent(v)) missing.push(`resources.${key}`);
        }
        if (missing.length > 0) report(`${c.label}: set ${missing.join(", ")}.`);
        const cpuLimit = get(c.spec, "resources.limits.cpu");
        if (!u.is(cpuLimit, `${c.path}.resources.limits.cpu`) && absent(cpuLimit)) {
            report.advisory(
                `${c.label}: consider setting resources.limits.cpu so one pod cannot starve its neighbours.`,
            );
        }
    },
});

const imageApproved = workloadPolicy({
    name: "k8s-image-approved-and-pinned",
    description:
        "K8S-11: images come from an approved registry and are pinned to a version tag or digest, never latest (CIS-EKS 5.1.x; NSA image scanning). A missing digest is advisory.",
    controls: ["K8S-11"],
    enforcementLevel: "mandatory",
    configSchema: schemaOf(["approvedRegistries"]),
    container: (pod, c, u, report, a) => {
        const image = c.spec.image;
        if (u.is(image, `${c.path}.image`)) return;
        if (pod.patch && image === undefined) return;
        if (typeof image !== "string" || absent(image)) {
            report(`${c.label} has no image: set an image from an approved registry.`);
            return;
        }
        const approved: string[] = a.config.approvedRegistries ?? [];
        if (!registryApproved(image, approved)) {
            const where =
                approved.length > 0
                    ? approved.join(", ")
                    : "a private ECR registry (<account>.dkr.ecr.<region>.amazonaws.com/)";
            report(`${c.label} image ${quote(image)} is not from an approved registry: mirror it to ${where}.`);
        }
        const ref = parseImage(image);
        if (!ref.digest && (absent(ref.tag) || ref.tag === "latest")) {
            report(
                `${c.label} image ${quote(image)} is not pinned: use a version tag or an @sha256 digest, never latest.`,
            );
        } else if (!ref.digest) {
            report.advisory(
                `${c.label} image ${quote(image)} is pinned by tag only: add its @sha256 digest so the running image cannot change under the tag.`,
            );
        }
    },
});

const noDefaultServiceAccount = resourcePolicy({
    name: "k8s-no-default-service-account",
    description:
        "K8S-12: workloads run under a dedicated ServiceAccount, and the namespace's default ServiceAccount does not mount API tokens (CIS-K8s 5.1.5).",
    controls: ["K8S-12"],
    enforcementLevel: "mandatory",
    types: [...WORKLOAD_SHAPES, TYPES.k8sServiceAccount, TYPES.k8sServiceAccountPatch],
    validate: (a, report) => {
        const u = a.reads;
        if (a.type === TYPES.k8sServiceAccount || a.type === TYPES.k8sServiceAccountPatch) {
            const name = get(a.props, "metadata.name");
            if (u.is(name, "metadata.name") || name !== "default") return;
            const automount = a.props.automountServiceAccountToken;
            if (!u.is(automount, "automountServiceAccountToken") && automount !== false) {
                report(
                    'the "default" ServiceAccount mounts API tokens: set automountServiceAccountToken to false on it.',
                );
            }
            return;
        }
        for (const pod of podsOf(a.type, a.props, u, [])) {
            const sa = pod.spec.serviceAccountName ?? pod.spec.serviceAccount;
            if (u.is(sa, `${pod.path}.serviceAccountName`)) continue;
            // A patch that leaves the ServiceAccount out keeps the live one.
            if (pod.patch ? sa === "default" || (sa !== undefined && absent(sa)) : absent(sa) || sa === "default") {
                report(
                    `the pod runs as the "default" ServiceAccount: set ${pod.path}.serviceAccountName to a dedicated ServiceAccount.`,
                );
            }
        }
    },
});

const tokenAutomountOff = resourcePolicy({
    name: "k8s-sa-token-automount-off",
    description: `K8S-13: pods and ServiceAccounts do not mount Kubernetes API tokens unless labelled ${API_ACCESS_LABEL}: "true" (CIS-K8s 5.1.6).`,
    controls: ["K8S-13"],
    enforcementLevel: "advisory",
    types: [...WORKLOADS, TYPES.k8sServiceAccount],
    validate: (a, report) => {
        const u = a.reads;
        const optIn = workloadLabel(a.type, a.props, API_ACCESS_LABEL);
        if (u.is(optIn, `metadata.labels.${API_ACCESS_LABEL}`) || optIn === "true") return;
        if (a.type === TYPES.k8sServiceAccount) {
            const automount = a.props.automountServiceAccountToken;
            if (!u.is(automount, "automountServiceAccountToken") && automount !== false) {
                report(
                    `set automountServiceAccountToken to false on this ServiceAccount (or label it ${API_ACCESS_LABEL}: "true" if its pods call the API).`,
                );
            }
            return;
        }
        const pod = podOf(a.type, a.props, u, []);
        if (pod) {
            const automount = pod.spec.automountServiceAccountToken;
            if (!u.is(automount, `${pod.path}.automountServiceAccountToken`) && automount !== false) {
                report(
                    `set ${pod.path}.automountServiceAccountToken to false (or label the workload ${API_ACCESS_LABEL}: "true" if it calls the Kubernetes API).`,
                );
            }
        }
    },
});

// ---------------------------------------------------------------------------------------------
// PSS-baseline kernel-facing settings (added from mutation testing).
// ---------------------------------------------------------------------------------------------

/**
 * Allowed values of the Pod Security Standards' baseline controls (https://kubernetes.io/docs/concepts/security/pod-security-standards/,
 * "Baseline": HostProcess, AppArmor, SELinux, /proc Mount Type, Sysctls). Absent is allowed by every one of them
 * (the runtime default profile, the default proc mount, no sysctl), so only explicit values are judged.
 */
const SAFE_SYSCTLS = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
const ALLOWED_SELINUX_TYPES = ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"];
const ALLOWED_APPARMOR = ["RuntimeDefault", "Localhost"];

/** Reports the baseline violations of one securityContext (the pod's or a container's) at `where`. */
function kernelSettings(sc: unknown, where: string, who: string, u: Reads, report: Reporter): void {
    if (u.is(sc, where) || !sc || typeof sc !== "object") return;
    const read = (path: string) => u.read(sc, path, where);
    const hostProcess = read("windowsOptions.hostProcess");
    if (hostProcess === true) report(`${who} runs as a Windows HostProcess: remove windowsOptions.hostProcess.`);
    const apparmor = read("appArmorProfile.type");
    if (apparmor !== SKIP && !absent(apparmor) && !ALLOWED_APPARMOR.includes(String(apparmor)))
        report(`${who} sets AppArmor profile ${quote(apparmor)}: use RuntimeDefault or a Localhost profile.`);
    const seType = read("seLinuxOptions.type");
    if (seType !== SKIP && !absent(seType) && !ALLOWED_SELINUX_TYPES.includes(String(seType)))
        report(`${who} sets SELinux type ${quote(seType)}: use ${ALLOWED_SELINUX_TYPES.join(", ")} or leave it unset.`);
    for (const field of ["user", "role"]) {
        const v = read(`seLinuxOptions.${field}`);
        if (v !== SKIP && !absent(v))
            report(`${who} sets seLinuxOptions.${field} ${quote(v)}: remove it (only the runtime assigns it).`);
    }
    const procMount = read("procMount");
    if (procMount !== SKIP && !absent(procMount) && procMount !== "Default")
        report(`${who} sets procMount ${quote(procMount)}: remove it (Default masks /proc).`);
}

const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

const noUnsafeKernelSettings = workloadPolicy({
    name: "k8s-no-unsafe-kernel-settings",
    description:
        "K8S-38: pods keep the kernel isolation the PSS baseline requires: no Windows HostProcess, no AppArmor other than RuntimeDefault/Localhost (field or annotation), no custom SELinux type/user/role, no Unmasked procMount, only the safe sysctls (PSS-baseline HostProcess, AppArmor, SELinux, /proc Mount Type, Sysctls; CIS-K8s 5.7.2).",
    controls: ["K8S-38"],
    enforcementLevel: "mandatory",
    pod: (pod, u, report, a) => {
        kernelSettings(get(pod.spec, "securityContext"), `${pod.path}.securityContext`, "the pod", u, report);
        const sysctls = u.read(pod.spec, "securityContext.sysctls", pod.path);
        if (sysctls !== SKIP)
            asArray(sysctls).forEach((s: any, i: number) => {
                const name = u.read(s, "name", `${pod.path}.securityContext.sysctls[${i}]`);
                if (name !== SKIP && !SAFE_SYSCTLS.includes(String(name)))
                    report(
                        `the pod sets sysctl ${quote(name)}, which is not namespaced to the pod: remove it (allowed: ${SAFE_SYSCTLS.join(", ")}).`,
                    );
            });
        // The pre-1.30 annotation form of AppArmor, on the pod template (or the Pod itself).
        const metaPath = pod.path.replace(/spec$/, "metadata.annotations");
        const annotations = u.read(a.props, metaPath);
        if (annotations !== SKIP && annotations && typeof annotations === "object")
            for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
                if (!k.startsWith(APPARMOR_ANNOTATION) || u.is(v, `${metaPath}["${k}"]`)) continue;
                if (v !== "runtime/default" && !String(v).startsWith("localhost/"))
                    report(`annotation ${k} is ${quote(v)}: use runtime/default or a localhost/ profile.`);
            }
    },
    container: (_pod, c, u, report) =>
        kernelSettings(get(c.spec, "securityContext"), `${c.path}.securityContext`, c.label, u, report),
});

export const policies: Policy[] = [
    noPrivileged,
    noPrivilegeEscalation,
    runAsNonRoot,
    readOnlyRootFs,
    dropAllCapabilities,
    seccomp,
    noHostNamespaces,
    restrictedVolumes,
    noHostPorts,
    resourcesSet,
    imageApproved,
    noDefaultServiceAccount,
    tokenAutomountOff,
    noUnsafeKernelSettings,
];
