// Model files served as what they are. Vite's dev and preview servers give a file of a type they do
// not know (`.onnx`) an empty Content-Type, and the preview server's compression middleware then
// takes it for text and gzips it on the fly: a browser that accepts gzip (every one) received the
// 100 MB model at ~20 MB/s from localhost, against ~350 MB/s as plain bytes
// (bench/results/download-floor-session13.json). Marked application/octet-stream before the
// static files are served, they go out as they are.

/** Extensions of model bundle files no server knows a type for. */
const MODEL_FILE = /\.(onnx|ort|safetensors)$/i;

/**
 * Connect middleware: set `Content-Type: application/octet-stream` on requests for model files
 * (sirv, Vite's static server, keeps a type set before it; compression leaves that type alone).
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {() => void} next
 */
export function modelFileTypes(req, res, next) {
  const pathname = (req.url ?? '').split('?')[0];
  if (MODEL_FILE.test(pathname)) res.setHeader('Content-Type', 'application/octet-stream');
  next();
}

/** A Vite plugin that puts `modelFileTypes` in front of the dev and preview servers' static files. */
export function modelFileTypesPlugin() {
  return {
    name: 'pocket-tts:model-file-types',
    /** @param {{middlewares: {use: (handler: typeof modelFileTypes) => void}}} server */
    configureServer(server) {
      server.middlewares.use(modelFileTypes);
    },
    /** @param {{middlewares: {use: (handler: typeof modelFileTypes) => void}}} server */
    configurePreviewServer(server) {
      server.middlewares.use(modelFileTypes);
    },
  };
}
