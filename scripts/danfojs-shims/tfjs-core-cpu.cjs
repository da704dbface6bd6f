// What danfojs-node's `require("@tensorflow/tfjs-node")` gets inside the task bundles
// (scripts/build-task-programs.ts): tfjs-core with the CPU backend, plus tfjs-data (which
// `DataFrame.sample` uses), all that danfojs touches (test/unit/danfojs-shims.test.ts checks every
// name it uses). The package.json override maps tfjs-node to the whole of @tensorflow/tfjs, whose
// layers, converter and WebGL packages would only make transform's startup snapshot bigger and
// slower to load.
const core = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
module.exports = Object.assign({}, core, { data: require('@tensorflow/tfjs-data') });
