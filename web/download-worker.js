// Model file downloads on a thread of their own. The synthesis worker's thread is busy for seconds
// while Pyodide starts (synchronous work), and a download loop on that thread stalls meanwhile
// (bench/ready_timeline.mjs measured it); here the fetches and the sha256 checks go on.
//
// The page starts this worker and sends it one end of a MessageChannel (the first message's port);
// the synthesis worker holds the other end (web/main.js startDownloader says why the page starts it).
// On the port, one request, then the worker closes:
// In:  {type: 'download', baseUrl, modelPath, manifest, groups}
// Out: {type: 'download', …progress}   forwarded to the page as is (web/protocol.js DownloadMessage)
//      {type: 'files', files: [[path, Uint8Array], …], fromStore: [path, …]}   the verified bytes,
//      transferred, and which of them the device store (web/model-store.js) had
//      {type: 'error', message}

import { ModelFiles } from './model-files.js';

self.onmessage = ({ ports }) => {
  const [port] = ports;
  port.onmessage = async ({ data }) => {
    const { baseUrl, modelPath, manifest, groups } = data;
    try {
      const model = new ModelFiles(baseUrl, modelPath, (message) => port.postMessage(message));
      model.manifest = manifest;
      const files = await model.download(groups);
      const message = { type: 'files', files: [...files], fromStore: model.fromStore };
      port.postMessage(message, { transfer: [...files.values()].map((b) => b.buffer) });
    } catch (error) {
      port.postMessage({ type: 'error', message: String(error?.message ?? error) });
    }
    self.close();
  };
};
