import { PolicyPack } from "@pulumi/policy";
import { policies as cluster } from "./cluster";
import { policies as data } from "./data";
import { policies as edge } from "./edge";
import { policies as iam } from "./iam";
import { policies as keys } from "./keys";
import { policies as kubernetes } from "./kubernetes";
import { policies as logging } from "./logging";
import { policies as network } from "./network";
import { policies as stack } from "./stack";
import { policies as storage } from "./storage";

// Assembly only: every policy lives in its domain module (one PolicyPack per process, see README).
new PolicyPack("platform-policy", {
    description: "Platform guardrails for AWS, EKS and Kubernetes (catalogue: CONTROLS.md).",
    policies: [...network, ...edge, ...iam, ...cluster, ...kubernetes, ...data, ...storage, ...keys, ...logging, ...stack],
});
