import { PolicyResource } from "@pulumi/policy";
import { EXEMPTION_PREFIX } from "../../lib/contract";
import { Reporter } from "./reporter";
import { isUnknown, raw } from "./unknowns";

/** Exemptions (catalogue section 0): tag / annotation `policy.exempt/<policy-name>` = "<ticket-id>: <reason>". */

export { EXEMPTION_PREFIX };
const EXEMPTION_VALUE = /^([A-Z][A-Z0-9]*-\d+):\s*(\S.*)$/;

export interface Exemption {
    ticket: string;
    reason: string;
}

/**
 * Reads the exemption for `policyName` from AWS `tags` / `tagsAll`, or Kubernetes
 * `metadata.annotations`. Returns undefined when there is none, `{ error }` when it is malformed.
 * Accepts resource props or a Kubernetes `metadata` object.
 */
export function exemption(propsOrMetadata: unknown, policyName: string): Exemption | { error: string } | undefined {
    const p = raw(propsOrMetadata) as any;
    if (!p || typeof p !== "object") return undefined;
    const key = `${EXEMPTION_PREFIX}${policyName}`;
    const sources = [p.tags, p.tagsAll, p.annotations, p.metadata?.annotations];
    for (const src of sources) {
        if (!src || typeof src !== "object" || !(key in src)) continue;
        const value = src[key];
        if (isUnknown(value)) return undefined;
        const m = typeof value === "string" ? EXEMPTION_VALUE.exec(value.trim()) : null;
        if (!m) return { error: `exemption "${key}" must read "<TICKET-123>: <reason>", got ${JSON.stringify(value)}` };
        return { ticket: m[1], reason: m[2] };
    }
    return undefined;
}

export const exemptionSuffix = (ex: Exemption) => ` [exempted by ${ex.ticket}: ${ex.reason}]`;

/** The exemption of a stack resource for a policy, honoured by exemptable stack rows. */
export function reporterFor(report: Reporter, r: PolicyResource, policyName: string): Reporter {
    const ex = exemption(raw(r.props), policyName);
    if (!ex || "error" in ex) return report;
    const r2 = ((m: string, urn?: string) => report.advisory(`${m}${exemptionSuffix(ex)}`, urn)) as Reporter;
    r2.advisory = r2;
    return r2;
}

/**
 * A reporter that honours `policy.exempt/<policyName>` (read from `sources`: props or metadata objects)
 * only when `refusal` is undefined: the violation is then advisory and prints the ticket. When the row's
 * condition for an exemption is not met, the violation stays at the policy's level and says why.
 * (EKS-01 bootstrap CIDRs, K8S-19 platform roles.)
 */
export function conditionalExemption(
    report: Reporter,
    policyName: string,
    sources: unknown[],
    refusal: string | undefined,
): Reporter {
    for (const source of sources) {
        const ex = exemption(source, policyName);
        if (!ex) continue;
        if ("error" in ex) {
            const r = ((m: string, urn?: string) => report(`${m} (${ex.error})`, urn)) as Reporter;
            r.advisory = report.advisory;
            return r;
        }
        if (refusal !== undefined) {
            const r = ((m: string, urn?: string) =>
                report(`${m} (exemption ${ex.ticket} not honoured: ${refusal})`, urn)) as Reporter;
            r.advisory = report.advisory;
            return r;
        }
        const r = ((m: string, urn?: string) => report.advisory(m + exemptionSuffix(ex), urn)) as Reporter;
        r.advisory = r;
        return r;
    }
    return report;
}

/**
 * For stack policies: reports `message` against `urn`, downgraded to advisory (with the ticket) when one of `tagged`
 * carries a valid `policy.exempt/<policyName>` tag. A malformed exemption is reported as well, at the policy's level.
 */
export function reportUnlessExempt(
    report: Reporter,
    policyName: string,
    tagged: PolicyResource[],
    message: string,
    urn: string,
): void {
    for (const r of tagged) {
        const ex = exemption(r.props, policyName);
        if (ex === undefined) continue;
        if ("error" in ex) {
            report(`${ex.error}.`, r.urn);
            break;
        }
        report.advisory(message + exemptionSuffix(ex), urn);
        return;
    }
    report(message, urn);
}
