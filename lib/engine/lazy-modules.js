"use strict";
/**
 * Two dependencies of @pulumi/pulumi, loaded on first use instead of when the SDK loads: the TypeScript
 * compiler (through the SDK's typescript-shim.js) and npm's @npmcli/arborist (runtime/closure/codePaths.js,
 * with tar, pacote, sigstore and ~200 more modules behind it). The SDK uses both only to serialize a
 * function (pulumi.runtime.serializeFunction, e.g. aws.lambda.CallbackFunction): a program or a policy
 * pack that never does gets nothing from loading them, and loading them was ~0.6 s of CPU in each of the
 * two processes of `check` (a third of the policy pack's start-up).
 *
 * The SDK receives a stand-in that loads the real module the first time anything is read from it, and
 * then answers with the real module's values, so code that does use them works as before. For arborist
 * the stand-in says `__esModule`, so codePaths.js's `__importStar(require("@npmcli/arborist"))` keeps it as
 * it is instead of copying every export (which would load it at once); codePaths.js reads only
 * `arborist.Arborist`.
 *
 * Installed by lib/engine/register.js (check, bench, controls, the policy pack host). Not used by the
 * bench's baseline, which runs the bare SDK. PLATFORM_EAGER_MODULES=1 turns it off.
 */
const Module = require("module");
const path = require("path");

const SDK = `${path.sep}@pulumi${path.sep}pulumi${path.sep}`;
/** request → the SDK file that requires it, and whether the stand-in says `__esModule` (see above). */
const LAZY = new Map([
    ["typescript", { from: `${SDK}typescript-shim.js`, esModule: false }],
    ["@npmcli/arborist", { from: `${SDK}runtime${path.sep}closure${path.sep}codePaths.js`, esModule: true }],
]);

function standIn(load, esModule) {
    let real;
    const target = () => (real === undefined ? (real = load()) : real);
    return new Proxy(
        {},
        {
            get(_, key) {
                if (key === "__esModule" && esModule && real === undefined) return true;
                return target()[key];
            },
            has: (_, key) => key in target(),
            set(_, key, value) {
                target()[key] = value;
                return true;
            },
            ownKeys: () => Reflect.ownKeys(target()),
            getOwnPropertyDescriptor(_, key) {
                const d = Reflect.getOwnPropertyDescriptor(target(), key);
                // A proxy may not report a property its (empty) target lacks as non-configurable.
                return d && { ...d, configurable: true };
            },
            getPrototypeOf: () => Object.getPrototypeOf(target()),
        },
    );
}

let installed = false;

function install() {
    if (process.env.PLATFORM_EAGER_MODULES === "1" || installed) return;
    installed = true;
    const load = Module._load;
    const standIns = new Map();
    Module._load = function (request, parent) {
        const spec = typeof request === "string" ? LAZY.get(request) : undefined;
        if (spec && parent && typeof parent.filename === "string" && parent.filename.endsWith(spec.from)) {
            const key = `${parent.filename}\0${request}`;
            let s = standIns.get(key);
            if (!s) {
                // Only a module that resolves: where it does not (typescript-shim.js then falls back to the
                // TypeScript it vendors), the SDK's own require decides, now.
                try {
                    Module._resolveFilename(request, parent);
                } catch {
                    return load.apply(this, arguments);
                }
                const args = arguments;
                const self = this;
                s = standIn(() => load.apply(self, args), spec.esModule);
                standIns.set(key, s);
            }
            return s;
        }
        return load.apply(this, arguments);
    };
}

module.exports = { install };
