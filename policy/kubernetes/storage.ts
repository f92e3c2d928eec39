import { absent } from "../lib/values";
import { StorageClass } from "../lib/classes";
import { Policy, resourcePolicyOf } from "../lib/builders";
import { get } from "../lib/read";

/** Catalogue K8S-25: encrypted EBS StorageClasses. */

// ---------------------------------------------------------------------------------------------
// K8S-25: storage.
// ---------------------------------------------------------------------------------------------

const EBS_PROVISIONERS = ["ebs.csi.aws.com", "kubernetes.io/aws-ebs"];

const ebsStorageClassEncrypted = resourcePolicyOf({
    name: "k8s-ebs-storageclass-encrypted",
    description:
        "K8S-25: EBS StorageClasses create volumes encrypted with a customer-managed KMS key (EC2.3 equivalent).",
    controls: ["K8S-25"],
    enforcementLevel: "mandatory",
    of: StorageClass,
    validate: (a, report) => {
        const u = a.reads;
        const provisioner = a.props.provisioner;
        if (u.is(provisioner, "provisioner") || !EBS_PROVISIONERS.includes(provisioner)) return;
        const encrypted = get(a.props, "parameters.encrypted");
        if (!u.is(encrypted, "parameters.encrypted") && encrypted !== "true")
            report('set parameters.encrypted to "true".');
        const key = get(a.props, "parameters.kmsKeyId");
        if (!u.is(key, "parameters.kmsKeyId") && (typeof key !== "string" || absent(key)))
            report("set parameters.kmsKeyId to the ARN of the platform's EBS KMS key.");
    },
});

export const policies: Policy[] = [ebsStorageClassEncrypted];
