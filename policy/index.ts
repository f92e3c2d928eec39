import { PolicyPack } from "@pulumi/policy";
import { POLICY_MODULES } from "../lib/contract";
import type { Policy } from "./lib/builders";

// Assembly only: every policy lives in its domain module (one PolicyPack per process, see README).
// The module list is the platform contract's, which tools/controls.ts reads too.
const policies = POLICY_MODULES.flatMap((m) => (require(`./${m}`) as { policies: Policy[] }).policies);

new PolicyPack("platform-policy", {
    description: "Platform guardrails for AWS, EKS and Kubernetes (catalogue: CONTROLS.md).",
    policies,
});
