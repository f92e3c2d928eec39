import { EnforcementLevel, ReportViolation } from "@pulumi/policy";

/** How a check reports: at the policy's level, or advisory for a recommendation inside a mandatory control. */
export interface Reporter {
    /** A violation at the policy's configured enforcement level. */
    (message: string, urn?: string): void;
    /** A violation that never blocks (a recommendation inside a mandatory control). */
    advisory(message: string, urn?: string): void;
}

/** The `reportViolation` object form (supported by @pulumi/policy's server) lets one violation carry its own level. */
export function reportAt(
    report: ReportViolation,
    name: string,
    description: string,
    message: string,
    level: EnforcementLevel | undefined,
    urn?: string,
): void {
    if (level === undefined) {
        report(message, urn);
        return;
    }
    (report as unknown as (v: object) => void)({
        name,
        description,
        message: `${description}\n${message}`,
        urn,
        enforcementLevel: level,
    });
}

/** A reporter whose every violation gets `suffix` and, when `downgrade`, is advisory. */
export function makeReporter(
    report: ReportViolation,
    name: string,
    description: string,
    suffix = "",
    downgrade = false,
): Reporter {
    const r = ((message: string, urn?: string) =>
        reportAt(report, name, description, message + suffix, downgrade ? "advisory" : undefined, urn)) as Reporter;
    r.advisory = (message: string, urn?: string) =>
        reportAt(report, name, description, message + suffix, "advisory", urn);
    return r;
}
