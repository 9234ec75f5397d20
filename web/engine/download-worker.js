// Model file downloads on a thread of their own. The synthesis worker's thread is busy for seconds
// while Pyodide starts (synchronous work), and a download loop on that thread stalls meanwhile
// (bench/ready_timeline.mjs measured it); here the fetches and the sha256 checks go on.
//
// The page starts this worker and sends it one end of a MessageChannel (the first message's port);
// the synthesis worker holds the other end (web/app/main.js startDownloader says why the page starts it).
// On the port, one download, then one check of the files it took from the device store, then the
// worker closes:
// In:  {type: 'download', modelsUrl, modelPath, manifest, groups, verifyStored}
// Out: {type: 'download', …progress}   forwarded to the page as is (web/engine/protocol.js DownloadMessage)
//      {type: 'files', files: [[path, Uint8Array], …], fromStore: [path, …]}   the bytes,
//      transferred, and which of them the device store (web/engine/model-store.js) had (with
//      verifyStored false, those were size-checked only: ModelFiles.fetchFile)
//      {type: 'error', message}
// In:  {type: 'verify'}                 (once the app is ready) the sha256 of stored files not checked yet
// Out: {type: 'verified', damaged: [path, …]}   the damaged ones are deleted from the store
//      {type: 'error', message}

import { ModelFiles } from './model-files.js';

/** @type {ModelFiles} */
let model;

/** The request's reply and whether the worker's work is done. */
async function handle({ type, modelsUrl, modelPath, manifest, groups, verifyStored }, port) {
  if (type === 'verify') return [{ type: 'verified', damaged: await model.verifyKept() }, [], true];
  model = new ModelFiles(modelsUrl, modelPath, (message) => port.postMessage(message));
  model.manifest = manifest;
  const files = await model.download(groups, { verifyStored });
  return [{ type: 'files', files: [...files], fromStore: model.fromStore }, [...files.values()].map((b) => b.buffer), false];
}

self.onmessage = ({ ports }) => {
  const [port] = ports;
  port.onmessage = async ({ data }) => {
    try {
      const [reply, transfer, done] = await handle(data, port);
      port.postMessage(reply, { transfer });
      if (!done) return;
    } catch (error) {
      port.postMessage({ type: 'error', message: String(error?.message ?? error) });
    }
    self.close();
  };
};
