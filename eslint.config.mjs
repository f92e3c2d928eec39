// @ts-check
// One lint run for the whole repository: TypeScript (typescript-eslint), YAML (eslint-plugin-yml) and JSON
// (@eslint/json). Everything comes from npm, so `npm test` needs nothing but Node and npm.
import eslint from "@eslint/js";
import json from "@eslint/json";
import yml from "eslint-plugin-yml";
import tseslint from "typescript-eslint";

const YAML = ["**/*.yaml", "**/*.yml"];
// Vendored upstream manifests (kept byte-for-byte as published, checksummed): syntax and duplicate keys only,
// never upstream's style.
const VENDORED_YAML = ["**/vendor/**/*.yaml", "**/vendor/**/*.yml"];

// YAML 1.1 booleans and their look-alikes. YAML 1.2 (what the `yaml` parser and Pulumi read) takes `yes`/`on`
// as strings, YAML 1.1 tools (and people) as booleans: only `true`/`false` are unambiguous.
const TRUTHY = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;

/** The house YAML rules that eslint-plugin-yml has no rule for (they were yamllint's). */
const house = {
    meta: { name: "house-yaml" },
    rules: {
        // yamllint `truthy: {allowed-values: ["true", "false"], check-keys: false}`: values only, so the
        // workflows' `on:` key stays legal.
        truthy: {
            meta: {
                type: "problem",
                docs: { description: "only `true` and `false` as plain boolean-like values" },
                messages: {
                    truthy: "truthy value '{{raw}}' is ambiguous between YAML 1.1 and 1.2: write true/false, or quote it if it is a string",
                },
                schema: [],
            },
            create(context) {
                return {
                    /** @param {any} node */
                    YAMLScalar(node) {
                        if (node.style !== "plain") return;
                        if (node.parent?.type === "YAMLPair" && node.parent.key === node) return;
                        if (TRUTHY.test(node.raw) && node.raw !== "true" && node.raw !== "false") {
                            context.report({ node, messageId: "truthy", data: { raw: node.raw } });
                        }
                    },
                };
            },
        },
    },
};

export default tseslint.config(
    {
        ignores: [
            ".policy-base/**",
            "node_modules/**",
            "**/node_modules/**",
            "coverage/**",
            "reports/**",
            "docs/**",
            "**/*.js",
            "**/*.mjs",
            "package-lock.json",
            "**/package-lock.json",
            // Renovate's schema, vendored unchanged from the npm package (test/fixtures/renovate/README.md).
            "test/fixtures/renovate/renovate-schema.json",
        ],
    },

    // TypeScript: the program, components, pack, tools and tests.
    {
        files: ["**/*.ts"],
        extends: [eslint.configs.recommended, ...tseslint.configs.recommended],
        rules: {
            // Tests and the mock harness handle engine-shaped untyped data (inputs, gRPC structs).
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
            eqeqeq: ["error", "always"],
            "no-console": "off",
        },
    },

    // YAML: workflows, Pulumi.yaml + stack files (platform and bootstrap/), PulumiPolicy.yaml, vendored manifests.
    // A parse error, including a duplicate key (YAML 1.2 requires unique keys), is always an error.
    ...yml.configs["flat/base"],
    {
        files: YAML,
        ignores: VENDORED_YAML,
        plugins: { house },
        rules: {
            ...yml.configs["flat/recommended"].at(-1)?.rules,
            "house/truthy": "error",
            // yamllint's `indentation` (consistent spaces, sequences indented under their key).
            "yml/indent": ["error", 2, { indentBlockSequences: true, indicatorValueIndent: 2 }],
            "yml/no-tab-indent": "error",
            "yml/no-trailing-spaces": "error",
            "yml/no-multiple-empty-lines": ["error", { max: 2, maxEOF: 0, maxBOF: 0 }],
            "yml/key-spacing": "error",
            "yml/spaced-comment": "error",
            "yml/flow-sequence-bracket-spacing": ["error", "never"],
            "yml/flow-mapping-curly-spacing": ["error", "always"],
            "yml/block-mapping": "error",
            "yml/block-sequence": "error",
            // yamllint `document-start: disable`: `---` is neither required nor forbidden (as before).
            // yamllint `line-length: disable`: long ARNs and URLs stay on one line.
        },
    },

    // JSON: the per-stack pack config and every other JSON file (tsconfig is JSON with comments).
    {
        files: ["**/*.json"],
        ignores: ["**/tsconfig*.json"],
        plugins: { json },
        language: "json/json",
        rules: { ...json.configs.recommended.rules },
    },
    {
        files: ["**/tsconfig*.json"],
        plugins: { json },
        language: "json/jsonc",
        rules: { ...json.configs.recommended.rules },
    },
);
