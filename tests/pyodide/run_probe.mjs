// Runs tests/pyodide/probe.py inside Pyodide, offline, and prints {network, python} as one JSON line:
// `python` is the JSON text that Python made ({runtime, result}), passed through untouched.
//
//   node tests/pyodide/run_probe.mjs MICROPIP_WHEEL PY_CORE_WHEEL FIXTURES_DIR
//
// Pyodide comes from node_modules/pyodide (indexURL), micropip from a local wheel (loadPackage of a
// path), py_core from its wheel written into Pyodide's file system (micropip.install("emfs:...")).
// Every network request fails: fetch and socket connections are replaced before Pyodide loads, and
// any attempt is reported under "network". Pyodide's own output goes to stderr; stdout has the JSON only.
import { readdirSync, readFileSync, statSync } from "node:fs";
import net from "node:net";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const [micropipWheel, pyCoreWheel, fixturesDir] = process.argv.slice(2).map((p) => resolve(p));
if (!fixturesDir) {
  console.error("usage: node run_probe.mjs MICROPIP_WHEEL PY_CORE_WHEEL FIXTURES_DIR");
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const indexURL = join(here, "..", "..", "node_modules", "pyodide") + "/";

const networkAttempts = [];
globalThis.fetch = async (url) => {
  networkAttempts.push(`fetch ${url}`);
  throw new Error(`network disabled in this test: fetch ${url}`);
};
net.Socket.prototype.connect = function (...args) {
  networkAttempts.push(`connect ${JSON.stringify(args[0])}`);
  throw new Error("network disabled in this test: socket connect");
};

const { loadPyodide } = await import(join(indexURL, "pyodide.mjs"));
const log = (message) => console.error(message);
const pyodide = await loadPyodide({
  indexURL,
  packageBaseUrl: dirname(micropipWheel) + "/", // where lock-file packages would be looked up: never a CDN
  stdout: log,
  stderr: log,
});
await pyodide.loadPackage(micropipWheel, { messageCallback: log, errorCallback: log });

const wheelPath = `/tmp/${basename(pyCoreWheel)}`;
pyodide.FS.writeFile(wheelPath, readFileSync(pyCoreWheel));
await pyodide.pyimport("micropip").install(`emfs:${wheelPath}`);

pyodide.FS.mkdirTree("/fixtures");
for (const name of readdirSync(fixturesDir)) {
  const path = join(fixturesDir, name);
  if (statSync(path).isFile()) pyodide.FS.writeFile(`/fixtures/${name}`, readFileSync(path));
}
pyodide.FS.mkdirTree("/probe");
pyodide.FS.writeFile("/probe/probe.py", readFileSync(join(here, "probe.py")));

const output = await pyodide.runPythonAsync(`
import json, sys
sys.path.append("/probe")
import probe, py_core
json.dumps({
    "runtime": {
        "platform": sys.platform,
        "python": list(sys.version_info[:3]),
        "py_core_file": py_core.__file__,
    },
    "result": probe.run("/fixtures"),
})
`);
process.stdout.write(JSON.stringify({ network: networkAttempts, python: output }) + "\n");
