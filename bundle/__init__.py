"""Bundle builder: turns a Pocket TTS checkpoint into a verified, simplified, quantized static bundle.

CPython only (torch, onnx, onnxruntime). The model is always built from the upstream `pocket_tts`
package; this package only adds the export wrappers, verification, optimization and the manifest.
"""
