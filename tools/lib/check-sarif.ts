import * as crypto from "crypto";

/**
 * SARIF 2.1.0 for the policy gate, in the subset GitHub code scanning reads: one rule per policy
 * (id = policy name), one result per violation, located in the file that declares the resource
 * (its top-level component's file, else the program, else the stack config) with the resource URN
 * as a logical location.
 */

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

export type SarifLevel = "error" | "warning" | "note" | "none";

export interface SarifPolicy {
    name: string;
    description: string;
    /** The level the stack's policy config resolved the policy to. */
    enforcementLevel: string;
}

export interface SarifViolation {
    policyName: string;
    /** The violation text without the policy description. */
    message: string;
    enforcementLevel: string;
    urn: string;
    /** Repository-relative file that declares the resource, and the line to point at. */
    file: string;
    line: number;
}

export interface SarifInput {
    stack: string;
    toolVersion: string;
    packName: string;
    packVersion: string;
    policies: SarifPolicy[];
    violations: SarifViolation[];
    /** Policies that threw: reported as tool execution notifications (the run is not successful). */
    policyErrors?: { policyName: string; urn: string; message: string; file: string; line: number }[];
}

export function sarifLevel(enforcementLevel: string): SarifLevel {
    if (enforcementLevel === "mandatory" || enforcementLevel === "remediate") return "error";
    if (enforcementLevel === "advisory") return "warning";
    return "none";
}

function firstSentence(text: string): string {
    const m = /^(.+?[.!?])(\s|$)/.exec(text.trim());
    return (m ? m[1] : text.trim()) || "Policy";
}

export function buildSarif(input: SarifInput): Record<string, unknown> {
    const policies = [...input.policies];
    // A diagnostic can name a policy the pack info did not list (a policy reporting under another name): give it a rule too.
    for (const v of input.violations) {
        if (!policies.some((p) => p.name === v.policyName))
            policies.push({ name: v.policyName, description: v.policyName, enforcementLevel: v.enforcementLevel });
    }
    const index = new Map(policies.map((p, i) => [p.name, i]));
    const rules = policies.map((p) => ({
        id: p.name,
        shortDescription: { text: firstSentence(p.description) },
        fullDescription: { text: p.description || p.name },
        help: {
            text: `${p.description || p.name}\nEnforcement for stack ${input.stack}: ${p.enforcementLevel}. Policy pack ${input.packName}@${input.packVersion}.`,
        },
        defaultConfiguration: { level: sarifLevel(p.enforcementLevel), enabled: p.enforcementLevel !== "disabled" },
        properties: {
            tags: ["security", "pulumi-policy", p.enforcementLevel],
            // GitHub ranks security alerts by this score: mandatory controls as high, advisory as medium.
            "security-severity": p.enforcementLevel === "advisory" ? "5.0" : "8.0",
            precision: "high",
        },
    }));
    const results = input.violations.map((v) => ({
        ruleId: v.policyName,
        ruleIndex: index.get(v.policyName)!,
        level: sarifLevel(v.enforcementLevel),
        message: { text: v.urn ? `${v.message} (${v.urn})` : v.message },
        locations: [
            {
                physicalLocation: { artifactLocation: { uri: v.file }, region: { startLine: Math.max(1, v.line) } },
                logicalLocations: v.urn ? [{ fullyQualifiedName: v.urn, kind: "resource" }] : [],
            },
        ],
        // Stable across runs and line moves: the same policy on the same resource is the same alert.
        partialFingerprints: {
            "policyResource/v1": crypto
                .createHash("sha256")
                .update(`${v.policyName}\u0000${v.urn}`)
                .digest("hex")
                .slice(0, 32),
        },
        properties: { enforcementLevel: v.enforcementLevel },
    }));
    return {
        $schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: [
            {
                tool: {
                    driver: {
                        name: "pulumi-check",
                        fullName: `Offline Pulumi preview and policy gate (${input.packName})`,
                        version: input.toolVersion,
                        informationUri: "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/",
                        rules,
                    },
                },
                // One category per stack, so uploads for dev and prod do not close each other's alerts.
                automationDetails: { id: `pulumi-check/${input.stack}/` },
                invocations: [
                    {
                        executionSuccessful: (input.policyErrors ?? []).length === 0,
                        toolExecutionNotifications: (input.policyErrors ?? []).map((f) => ({
                            level: "error",
                            message: { text: `policy ${f.policyName} threw on ${f.urn || "the stack"}: ${f.message}` },
                            descriptor: { id: f.policyName },
                            locations: [
                                {
                                    physicalLocation: {
                                        artifactLocation: { uri: f.file },
                                        region: { startLine: Math.max(1, f.line) },
                                    },
                                },
                            ],
                        })),
                    },
                ],
                results,
            },
        ],
    };
}
