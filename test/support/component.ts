import { strict as assert } from "assert";
import { Capture, CapturedResource, runUnderMocks } from "./harness";

/**
 * Component-level tests: build one component alone under the shared mocks (the dev stack's config supplies only
 * the provider settings, such as the region) and return everything it registered.
 */
export async function buildAlone(body: () => unknown): Promise<Capture> {
    const { capture } = await runUnderMocks("dev", body);
    return capture;
}

/** A KMS key ARN of the mock account, for args that only pass a key through. */
export const keyArn = (purpose: string) => `arn:aws:kms:eu-west-1:111122223333:key/${purpose}-0000`;

/** A small tag set, as `tags()` makes it, so tests can tell the component's tags from none. */
export const TAGS = { project: "aws-platform", stack: "dev", tier: "test", owner: "platform-team" };

/**
 * Asserts the house rules of a component built alone: it registered its args (`registered` are some of them, as
 * the engine received them), and every other resource of the run, except those of the `outside` types the test
 * made itself, descends from the component and is named `${name}-<role>`. Returns the component.
 */
export function assertComponent(
    c: Capture,
    type: string,
    name: string,
    registered: Record<string, unknown>,
    outside: string[] = [],
): CapturedResource {
    const component = c.one(type, name);
    assert.equal(component.name, name);
    for (const [key, value] of Object.entries(registered))
        assert.deepEqual(component.inputs[key], value, `the component registers its arg ${key}`);
    const descends = (r: CapturedResource): boolean => {
        for (let p = c.byUrn(r.parent); p; p = c.byUrn(p.parent)) if (p.urn === component.urn) return true;
        return false;
    };
    const others = c.resources.filter((r) => r.urn !== component.urn && !outside.includes(r.type));
    assert.ok(others.length > 0, "the component declares resources");
    for (const r of others) {
        assert.ok(descends(r), `${r.type} ${r.name} is parented to the ${name} component`);
        assert.ok(r.name.startsWith(`${name}-`), `${r.type} ${r.name} is named ${name}-<role>`);
    }
    return component;
}

/** The parsed JSON of a policy-document input. */
export const doc = (r: CapturedResource, field = "policy") => JSON.parse(r.inputs[field]);
