import { CapturedResource } from "./harness";

/**
 * Validates captured `kubernetes:*` resources against the Kubernetes OpenAPI schemas shipped in
 * `kubernetes-models`: required fields, enums and quantity/int-or-string formats. Unknown field
 * names are not rejected by those schemas; the typed @pulumi/kubernetes inputs catch them at compile time.
 */

/** `kubernetes:apps/v1:Deployment` → `kubernetes-models/apps/v1/Deployment`; `…Patch` validates as its kind. */
export function modelPath(type: string): { module: string; kind: string } | undefined {
    const m = /^kubernetes:([^:]+):([A-Za-z]+)$/.exec(type);
    if (!m) return undefined;
    const [group, version] = m[1].split("/");
    const kind = m[2].replace(/Patch$/, "");
    const groupPath = group === "core" ? version : `${group}/${version}`;
    return { module: `kubernetes-models/${groupPath}/${kind}`, kind };
}

/** The Pulumi secret signature (@pulumi/pulumi runtime/rpc `specialSigKey` / `specialSecretSig`): secret inputs arrive wrapped in it. */
const SECRET_SIG = { key: "4dabf18193072939515e22adb298388d", value: "1b47061264138c4ac30d75fd1eb44270" };

/** A plain-JSON copy of the inputs: omitted optionals dropped, secret values unwrapped to what the API server receives. */
function plain(inputs: unknown): any {
    return JSON.parse(JSON.stringify(inputs), (_k, v) =>
        v && typeof v === "object" && v[SECRET_SIG.key] === SECRET_SIG.value ? v.value : v,
    );
}

/** The schema errors of one resource ("" when valid). Throws if no model exists for the type. */
export function schemaErrors(resource: CapturedResource): string {
    const path = modelPath(resource.type);
    if (!path) throw new Error(`${resource.type} is not a Kubernetes resource type`);
    const Model = require(path.module)[path.kind];
    if (!Model) throw new Error(`kubernetes-models has no ${path.kind} in ${path.module}`);
    // A plain-JSON copy: Pulumi inputs may carry `undefined` for omitted optionals.
    const object = plain(resource.inputs);
    try {
        new Model(object).validate();
        return "";
    } catch (e) {
        return (e as Error).message;
    }
}

/**
 * Every full `kubernetes:*` object in `resources`, with its schema errors. Skipped: providers, `…Patch`
 * types (a server-side-apply patch carries only the fields it changes, so required fields are absent
 * by design) and Helm charts/releases (not Kubernetes objects; their rendered objects are).
 */
export function invalidKubernetesObjects(
    resources: CapturedResource[],
): Array<{ name: string; type: string; errors: string }> {
    const custom = customResourceValidators(resources);
    return resources
        .filter(
            (r) =>
                r.type.startsWith("kubernetes:") &&
                r.custom &&
                !r.type.endsWith("Patch") &&
                !r.type.startsWith("kubernetes:helm.sh/") &&
                !r.type.startsWith("pulumi:providers:"),
        )
        .map((r) => ({
            name: r.name,
            type: r.type,
            errors: custom.has(r.type) ? custom.get(r.type)!(r) : schemaErrors(r),
        }))
        .filter((r) => r.errors !== "");
}

/**
 * Custom resources validate against the openAPIV3Schema of the CustomResourceDefinition the same program declares
 * (e.g. the vendored Gateway API and NGF CRDs): `kubernetes:<group>/<version>:<Kind>` → that version's schema.
 * Kubernetes' own extensions (x-kubernetes-*, CEL rules) are not evaluated; types, enums, required fields and patterns are.
 */
export function customResourceValidators(resources: CapturedResource[]): Map<string, (r: CapturedResource) => string> {
    const Ajv = require("ajv");
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const validators = new Map<string, (r: CapturedResource) => string>();
    for (const crd of resources.filter(
        (r) => r.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
    )) {
        const { group, names, versions } = crd.inputs.spec;
        for (const v of versions ?? []) {
            const schema = v.schema?.openAPIV3Schema;
            if (!schema) continue;
            const validate = ajv.compile(schema);
            validators.set(`kubernetes:${group}/${v.name}:${names.kind}`, (r) => {
                const object = plain(r.inputs);
                return validate(object) ? "" : ajv.errorsText(validate.errors);
            });
        }
    }
    return validators;
}
