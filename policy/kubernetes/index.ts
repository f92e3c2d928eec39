import { Policy } from "../lib/builders";
import { policies as config } from "./config";
import { policies as exposure } from "./exposure";
import { policies as helm } from "./helm";
import { policies as namespaces } from "./namespaces";
import { policies as network } from "./network";
import { policies as pods } from "./pods";
import { policies as rbac } from "./rbac";
import { policies as storage } from "./storage";

/**
 * Catalogue section 4 (Kubernetes workloads, RBAC and exposure), the section 0 Helm rule, and the
 * Kubernetes stack rows STK-05 and STK-16. Rendered Helm v4 / YAML v2 objects arrive here as ordinary
 * `kubernetes:*` resources, so every row also covers what charts render.
 */

export const policies: Policy[] = [
    ...pods,
    ...namespaces,
    ...rbac,
    ...exposure,
    ...storage,
    ...helm,
    ...network,
    ...config,
];
