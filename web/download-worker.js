// Model file downloads on a thread of their own. The synthesis worker's thread is busy for seconds
// while Pyodide starts (synchronous work), and a download loop on that thread stalls meanwhile
// (bench/ready_timeline.mjs measured it); here the fetches and the sha256 checks go on.
//
// In:  {type: 'download', id, baseUrl, modelPath, manifest, groups}
// Out: {type: 'download', …progress}   forwarded to the page as is (web/protocol.js DownloadMessage)
//      {type: 'files', id, files: [[path, Uint8Array], …], fromStore: [path, …]}   the verified bytes,
//      transferred, and which of them the device store (web/model-store.js) had
//      {type: 'error', id, message}

import { ModelFiles } from './model-files.js';

self.onmessage = async ({ data }) => {
  const { id, baseUrl, modelPath, manifest, groups } = data;
  try {
    const model = new ModelFiles(baseUrl, modelPath, (message) => self.postMessage(message));
    model.manifest = manifest;
    const files = await model.download(groups);
    const message = { type: 'files', id, files: [...files], fromStore: model.fromStore };
    self.postMessage(message, { transfer: [...files.values()].map((b) => b.buffer) });
  } catch (error) {
    self.postMessage({ type: 'error', id, message: String(error?.message ?? error) });
  }
};
