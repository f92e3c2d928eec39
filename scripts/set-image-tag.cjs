#!/usr/bin/env node
// Writes platform:app.imageTag into Pulumi.<stack>.yaml as a quoted YAML string, keeping comments and layout.
// `pulumi config set --path` would store an all-digit tag (20240101) as a number, which the config schema
// refuses; the yaml Document API quotes any string that would read back as another type.
//   node scripts/set-image-tag.cjs <Pulumi.stack.yaml> <tag[@sha256:digest]>
"use strict";
const fs = require("fs");
const YAML = require("yaml");

const [file, value] = process.argv.slice(2);
if (!file || !value) {
    console.error("usage: set-image-tag.cjs <Pulumi.<stack>.yaml> <tag[@sha256:digest]>");
    process.exit(64);
}
const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
if (doc.errors.length > 0) {
    console.error(`${file}: ${doc.errors[0].message}`);
    process.exit(65);
}
if (!doc.hasIn(["config", "platform:app"])) {
    console.error(`${file} has no platform:app block to release into`);
    process.exit(65);
}
const scalar = doc.createNode(String(value));
scalar.type = "QUOTE_DOUBLE";
doc.setIn(["config", "platform:app", "imageTag"], scalar);
fs.writeFileSync(file, doc.toString({ lineWidth: 0 }));
const back = YAML.parse(fs.readFileSync(file, "utf8")).config["platform:app"].imageTag;
if (typeof back !== "string" || back !== String(value)) {
    console.error(`${file}: imageTag reads back as ${JSON.stringify(back)}`);
    process.exit(70);
}
